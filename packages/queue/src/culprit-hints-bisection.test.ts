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
const NAMES = Array.from({ length: SIZE }, (_, index) => `part${index}`);
const EVERY_NAME = NAMES.join(' ');

/**
 * A suite that fails when a module holds BAD and says which, the way a test runner names the
 * test file that failed (`FAIL part5.test.mjs`). `named` replaces what it says: a fixed name (a
 * misleading hint), or every module's.
 */
function suiteCommand(options: { named?: string; noiseWhenLastChanged?: boolean } = {}): string {
  const named = options.named ?? '${name%.mjs}';
  // The whole chain's output (the last module changed) names every module besides the culprit.
  const noise =
    options.noiseWhenLastChanged === true
      ? `grep -q 'GOOD 7' src/part7.mjs && echo "slow: ${EVERY_NAME}"; `
      : '';
  return `${noise}bad=; for file in src/*.mjs; do if grep -q BAD "$file"; then name=\${file#src/}; echo "FAIL ${named}.test.mjs: expected GOOD"; bad=1; fi; done; [ -z "$bad" ]`;
}

/** Eight entries, each editing its own module; entry `culprit` breaks the suite. */
async function bisectOneBatch(options: { hints: boolean; culprit: number; command: string }) {
  const config: HyperionConfigInput = {
    checks: [{ name: 'suite', command: options.command }],
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
    const content = index === options.culprit ? 'BAD\n' : `GOOD ${index}\n`;
    entries.push(
      await fixture.queue.submit(
        changeRequest(`T-${index}`, path, replaceFilePatch(path, 'GOOD\n', content)),
      ),
    );
  }
  const worker = fixture.queue.createWorker('bisector');
  const outcomes = await worker.processNextCandidate();
  await worker.dispose();
  const bisected = (await fixture.store.listEvents({ entryId: entries[options.culprit]!.id })).find(
    (event) => event.type === 'batch:bisected',
  );
  // The culprit and the rest are as a plain bisection leaves them, whatever the hint said.
  expect(outcomes).toEqual([
    ...Array.from({ length: options.culprit }, () => 'landed'),
    'quarantined',
    ...Array.from({ length: SIZE - options.culprit - 1 }, () => 'returned'),
  ]);
  expect(bisected?.data).toMatchObject({
    culprit: entries[options.culprit]!.id,
    green_prefix: options.culprit,
  });
  return { entries, runs: bisected?.data['runs'], hintedRounds: bisected?.data['hinted_rounds'] };
}

describe('a bisection guided by the red output', () => {
  it('names the culprit the output points at in one round of two probes', async () => {
    // Prefixes 5 (green: lands) and 6 (red): the culprit.
    const { runs, hintedRounds } = await bisectOneBatch({ hints: true, culprit: 5, command: suiteCommand() });
    expect(runs).toBe(2);
    expect(hintedRounds).toBe(1);
    expect((await runGit(['show', 'main:src/part4.mjs'], { cwd: fixture!.temporary.root })).stdout).toBe(
      'GOOD 4\n',
    );
  });

  it('splits the range evenly with hints off: two rounds of two probes', async () => {
    // Prefixes 3 and 5 (green: 5 lands), then 6 (red) and 7.
    const { runs, hintedRounds } = await bisectOneBatch({
      hints: false,
      culprit: 5,
      command: suiteCommand(),
    });
    expect(runs).toBe(4);
    expect(hintedRounds).toBe(0);
  });

  it('costs one round more, and charges nobody else, when the output points at an innocent entry', async () => {
    // Prefixes 1 and 2 (green: 2 lands; the hint is refuted), then 4 (green) and 6 (red), then 5.
    const { entries, runs } = await bisectOneBatch({
      hints: true,
      culprit: 5,
      command: suiteCommand({ named: 'part1' }),
    });
    expect(runs).toBe(5);
    expect((await fixture!.store.requireEntry(entries[1]!.id)).state).toBe('landed');
  });

  it('follows no hint when the output names every entry', async () => {
    const { runs } = await bisectOneBatch({
      hints: true,
      culprit: 5,
      command: suiteCommand({ named: `x; echo ${EVERY_NAME}` }),
    });
    expect(runs).toBe(4);
  });

  it('takes the suspects of a red probe when the whole chain named too many', async () => {
    // The whole chain names every module: prefixes 3 (red, naming part2 alone) and 5 split evenly;
    // then only prefix 2 is left to probe (green): 3 runs, where an even split takes 4.
    const { runs } = await bisectOneBatch({
      hints: true,
      culprit: 2,
      command: suiteCommand({ noiseWhenLastChanged: true }),
    });
    expect(runs).toBe(3);
  });
});
