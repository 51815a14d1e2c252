import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { HyperionConfigInput } from '@hyperion/schema';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

const SIZE = 8;
const CULPRIT = 5;
const NAMES = Array.from({ length: SIZE }, (_, index) => `part${index}`);

/**
 * A suite that fails when a module holds BAD and says which, the way a test runner names the
 * test file that failed: `FAIL part5.test.mjs`. With `misleading`, it names `part1` instead.
 */
function suiteCommand(misleading: boolean): string {
  const named = misleading ? 'part1' : '${name%.mjs}';
  return `bad=; for file in src/*.mjs; do if grep -q BAD "$file"; then name=\${file#src/}; echo "FAIL ${named}.test.mjs: expected GOOD"; bad=1; fi; done; [ -z "$bad" ]`;
}

/** Eight entries, each editing its own module; entry {@link CULPRIT} breaks the suite. */
async function bisectOneBatch(options: { hints: boolean; misleading?: boolean }) {
  const config: HyperionConfigInput = {
    checks: [{ name: 'suite', command: suiteCommand(options.misleading === true) }],
    queue: {
      max_attempts: 1,
      strategy: {
        name: 'batch',
        max_batch: SIZE,
        flake_reruns: 0,
        bisect_concurrency: 2,
        max_in_flight: 2,
        culprit_hints: options.hints,
      },
    },
  };
  fixture = await createQueueFixture({
    files: Object.fromEntries(NAMES.map((name) => [`src/${name}.mjs`, 'GOOD\n'])),
    config,
  });
  const entries = [];
  for (const [index, name] of NAMES.entries()) {
    const path = `src/${name}.mjs`;
    const content = index === CULPRIT ? 'BAD\n' : `GOOD ${index}\n`;
    entries.push(
      await fixture.queue.submit(
        changeRequest(`T-${index}`, path, replaceFilePatch(path, 'GOOD\n', content)),
      ),
    );
  }
  const worker = fixture.queue.createWorker('bisector');
  const outcomes = await worker.processNextCandidate();
  await worker.dispose();
  const bisected = (await fixture.store.listEvents({ entryId: entries[CULPRIT]!.id })).find(
    (event) => event.type === 'batch:bisected',
  );
  return { entries, outcomes, bisected };
}

const EXPECTED_OUTCOMES = [
  ...Array.from({ length: CULPRIT }, () => 'landed'),
  'quarantined',
  ...Array.from({ length: SIZE - CULPRIT - 1 }, () => 'returned'),
];

describe('a bisection guided by the red output', () => {
  it('names the culprit the output points at in one round of two probes', async () => {
    const { entries, outcomes, bisected } = await bisectOneBatch({ hints: true });
    expect(outcomes).toEqual(EXPECTED_OUTCOMES);
    // Prefixes 5 (green: lands) and 6 (red): the culprit, in one round.
    expect(bisected?.data).toMatchObject({ culprit: entries[CULPRIT]!.id, green_prefix: CULPRIT, runs: 2 });
    expect((await runGit(['show', 'main:src/part4.mjs'], { cwd: fixture!.temporary.root })).stdout).toBe(
      'GOOD 4\n',
    );
  });

  it('splits the range evenly with hints off: two rounds of two probes', async () => {
    const { entries, outcomes, bisected } = await bisectOneBatch({ hints: false });
    expect(outcomes).toEqual(EXPECTED_OUTCOMES);
    // Prefixes 3 and 5 (green: 5 lands), then 6 (red) and 7.
    expect(bisected?.data).toMatchObject({ culprit: entries[CULPRIT]!.id, green_prefix: CULPRIT, runs: 4 });
  });

  it('still finds the real culprit, and charges nobody else, when the output points at an innocent entry', async () => {
    const { entries, outcomes, bisected } = await bisectOneBatch({ hints: true, misleading: true });
    expect(outcomes).toEqual(EXPECTED_OUTCOMES);
    expect(bisected?.data).toMatchObject({ culprit: entries[CULPRIT]!.id, green_prefix: CULPRIT });
    expect((await fixture!.store.requireEntry(entries[1]!.id)).state).toBe('landed');
  });
});
