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
      strategy: { name: 'batch', max_batch: 8, flake_reruns: 1, bisect_concurrency: 3 },
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
});
