import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { HyperionConfigInput, QueueEntry } from '@hyperion/schema';
import { compareWithLive } from '@hyperion/store';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { ProcessSpeculationBoard, type SpeculationCandidate } from './speculation.js';
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

/** f0.txt … f(count-1).txt; the change to f<bad>.txt writes BAD into it, the others F<n>. */
async function setUp(count: number, bad: number, verdict: string, queue: HyperionConfigInput['queue']) {
  const spans = join(temporaryDirectory('hyperion-probe-spans'), 'spans');
  fixture = await createQueueFixture({
    files: Object.fromEntries(Array.from({ length: count }, (_, index) => [`f${index}.txt`, `f${index}\n`])),
    config: {
      checks: [{ name: 'probe', command: `echo "$PWD $(git rev-parse HEAD)" >> ${spans}; ${verdict}` }],
      queue,
    },
  });
  const entries: QueueEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    const content = index === bad ? `f${index} BAD\n` : `F${index}\n`;
    entries.push(
      await fixture.queue.submit(
        changeRequest(
          `T-${index}`,
          `f${index}.txt`,
          replaceFilePatch(`f${index}.txt`, `f${index}\n`, content),
        ),
      ),
    );
  }
  return { entries, spans, root: fixture.temporary.root };
}

/** A real board that remembers every publish and withdraw, in order. */
class RecordingBoard extends ProcessSpeculationBoard {
  readonly operations: Array<{
    op: 'publish' | 'withdraw';
    commit: string;
    size?: number;
    atRisk?: boolean;
  }> = [];
  override async publish(candidate: SpeculationCandidate): Promise<void> {
    this.operations.push({
      op: 'publish',
      commit: candidate.commit,
      size: candidate.entryIds.length,
      atRisk: candidate.atRisk === true,
    });
    await super.publish(candidate);
  }
  override async withdraw(commit: string): Promise<void> {
    if (await this.isCandidate(commit)) this.operations.push({ op: 'withdraw', commit });
    await super.withdraw(commit);
  }
}

describe('concurrent bisection probes (review)', () => {
  it('with bisect_concurrency 3, each probe is checked in a worktree of its own, and the culprit is the one charged', async () => {
    // 8 entries, f4's is the culprit: the round probes prefixes 2, 4 and 6 at once (6 is red).
    const { entries, spans, root } = await setUp(8, 4, 'sleep 0.5; ! grep -qs BAD f4.txt', {
      max_attempts: 1,
      // Three check slots, whatever the machine's parallelism: the round may check three probes.
      strategy: { name: 'batch', max_batch: 8, flake_reruns: 1, bisect_concurrency: 3, max_in_flight: 3 },
    });
    const worker = fixture!.queue.createWorker('bisector');
    const outcomes = await worker.processNextCandidate().catch((error: unknown) => [String(error)]);
    await worker.dispose();
    const runs = readFileSync(spans, 'utf8').trim().split('\n');
    // The round of three probes: three different worktrees.
    const round = runs.slice(1, 4).map((line) => line.split(' ')[0]);
    expect(new Set(round).size, `probe worktrees of one round: ${round.join(', ')}`).toBe(3);
    expect(outcomes).toEqual([
      'landed',
      'landed',
      'landed',
      'landed',
      'quarantined',
      'returned',
      'returned',
      'returned',
    ]);
    expect((await fixture!.store.requireEntry(entries[4]!.id)).state).toBe('quarantined');
    expect((await runGit(['show', 'main:f4.txt'], { cwd: root })).stdout).toBe('f4\n');
    const worktrees = (await runGit(['worktree', 'list', '--porcelain'], { cwd: root })).stdout;
    expect(worktrees).not.toContain('-probe');
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });

  it('keeps the longest probe of a round on the board while both probes run (a shorter one never replaces it)', async () => {
    // 8 entries, f6's is the culprit: round one probes 3 and 5 (both green), prefix 5 lands.
    const { root } = await setUp(8, 6, 'sleep 0.2; ! grep -qs BAD f6.txt', {
      max_attempts: 1,
      strategy: { name: 'batch', max_batch: 8, flake_reruns: 1, bisect_concurrency: 2 },
    });
    const board = new RecordingBoard();
    const queue = fixture!.openAnotherQueue({ speculation: board });
    const worker = queue.createWorker('bisector');
    const outcomes = await worker.processNextCandidate();
    await worker.dispose();
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
    const probes = board.operations.filter((operation) => operation.op === 'publish' && operation.size! < 8);
    // Round one publishes prefix 5 (standing for 3 and 5); round two, on the landed 5, publishes prefix 7 (standing for 6 and 7).
    expect(probes.map((operation) => operation.size)).toEqual([5, 2]);
    // Nothing of the bisection is left on the board.
    expect(await board.isCandidate((await runGit(['rev-parse', 'main'], { cwd: root })).stdout.trim())).toBe(
      false,
    );
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });

  // Unfixed defect (review20): a bisection's concurrent probes are counted as one check on the
  // board, so beside a candidate stacked on the red batch three checks run with max_in_flight 2
  // (seen: [[0,1082],[1316,2415],[1351,2454],[194,3270],…]). Remove `.skip` to reproduce; a fix
  // needs the board to tell how many other owners are in flight before a round picks its probes.
  it('never checks more than max_in_flight candidates at once, counting the probes of a bisection beside a speculative candidate', async () => {
    const spans = join(temporaryDirectory('hyperion-check-overlap'), 'spans');
    const now = `node -e 'process.stdout.write(String(Date.now()))'`;
    // Every check run writes its start and end (ms); each takes a second, three with f5's change
    // (the second worker's candidate, stacked on the first's batch), so that it is still checked
    // when the first worker's red batch is bisected.
    const verdict = `start=$(${now}); if grep -qs F5 f5.txt; then sleep 3; else sleep 1; fi; echo "$start $(${now})" >> ${spans}; ! grep -qs BAD f1.txt`;
    fixture = await createQueueFixture({
      files: Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`f${index}.txt`, `f${index}\n`])),
      config: {
        checks: [{ name: 'timed', command: verdict }],
        queue: {
          max_attempts: 1,
          strategy: { name: 'batch', max_batch: 4, flake_reruns: 1, max_in_flight: 2 },
        },
      },
    });
    const submit = (index: number) =>
      fixture!.queue.submit(
        changeRequest(
          `T-${index}`,
          `f${index}.txt`,
          replaceFilePatch(`f${index}.txt`, `f${index}\n`, index === 1 ? 'f1 BAD\n' : `F${index}\n`),
        ),
      );
    for (let index = 0; index < 4; index += 1) await submit(index);
    const first = fixture.queue.createWorker('first');
    const firstDone = first.processNextCandidate();
    // Once the first batch is built (and checked), the second worker stacks f4 and f5 on it.
    for (let wait = 0; wait < 200; wait += 1) {
      const formed = (await fixture.store.listEvents({})).some((event) => event.type === 'batch:formed');
      if (formed) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await submit(4);
    await submit(5);
    const second = fixture.queue.createWorker('second');
    const secondDone = second.processNextCandidate();
    await Promise.all([firstDone, secondDone]);
    await first.dispose();
    await second.dispose();
    const runs = readFileSync(spans, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number) as [number, number]);
    let most = 0;
    for (const [start] of runs) {
      most = Math.max(most, runs.filter(([from, to]) => from <= start && start < to).length);
    }
    const relative = runs.map(([from, to]) => [from - runs[0]![0], to - runs[0]![0]]);
    expect(most, `check runs at once (max_in_flight 2): ${JSON.stringify(relative)}`).toBeLessThanOrEqual(2);
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });
});
