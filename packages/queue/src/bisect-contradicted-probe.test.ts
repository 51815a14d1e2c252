import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
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

/** What each of the 8 entries writes into its own file `f<i>.txt`. */
const CONTENTS = ['F0', 'F1', 'BAD', 'F3', 'FIX', 'F5', 'BAD', 'F7'];

describe('a bisection round whose probes disagree', () => {
  it('lands the longest green probe and seeks the culprit above it, holding a contradicted red probe against no one', async () => {
    // Red when f2 is BAD without the FIX of f4, or when f6 is BAD: prefix 3 is red, prefix 5 green
    // (entry 4 repairs what entry 2 broke), the whole chain red because of entry 6.
    const check = '! { { grep -q BAD f2.txt && ! grep -q FIX f4.txt; } || grep -q BAD f6.txt; }';
    fixture = await createQueueFixture({
      files: Object.fromEntries(CONTENTS.map((_, index) => [`f${index}.txt`, `f${index}\n`])),
      config: {
        checks: [{ name: 'disagreeing', command: check }],
        queue: {
          max_attempts: 1,
          strategy: { name: 'batch', max_batch: 8, flake_reruns: 0, bisect_concurrency: 2, max_in_flight: 2 },
        },
      },
    });
    const entries = [];
    for (const [index, content] of CONTENTS.entries()) {
      entries.push(
        await fixture.queue.submit(
          changeRequest(
            `T-${index}`,
            `f${index}.txt`,
            replaceFilePatch(`f${index}.txt`, `f${index}\n`, `${content}\n`),
          ),
        ),
      );
    }
    const worker = fixture.queue.createWorker('bisector');
    const outcomes = await worker.processNextCandidate();
    await worker.dispose();
    // Rounds: prefixes 3 (red) and 5 (green): 5 lands; then 6 (green) and 7 (red): 6 lands, entry 6 is the culprit.
    expect(outcomes).toEqual([
      'landed',
      'landed',
      'landed',
      'landed',
      'landed',
      'landed',
      'quarantined',
      'returned',
    ]);
    const root = fixture.temporary.root;
    expect((await runGit(['show', 'main:f2.txt'], { cwd: root })).stdout).toBe('BAD\n');
    expect((await runGit(['show', 'main:f4.txt'], { cwd: root })).stdout).toBe('FIX\n');
    expect((await runGit(['show', 'main:f6.txt'], { cwd: root })).stdout).toBe('f6\n');
    const bisected = (await fixture.store.listEvents({ entryId: entries[6]!.id })).find(
      (event) => event.type === 'batch:bisected',
    );
    expect(bisected?.data).toMatchObject({ culprit: entries[6]!.id, green_prefix: 6 });
    expect((await fixture.store.requireEntry(entries[2]!.id)).state).toBe('landed');
  });
});
