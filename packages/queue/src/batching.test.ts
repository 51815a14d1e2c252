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

/** Files f0.txt … f(n-1).txt, each holding its own name. */
function files(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`f${index}.txt`, `f${index}\n`]));
}

/** A check that appends one line per run to `counter` (outside the repository), then runs `verdict`. */
function countedCheck(counter: string, verdict = 'true'): string {
  return `echo run >> ${counter}; ${verdict}`;
}

function runsOf(counter: string): number {
  try {
    return readFileSync(counter, 'utf8')
      .split('\n')
      .filter((line) => line !== '').length;
  } catch {
    return 0;
  }
}

async function setUp(count: number, verdict: string, queue: HyperionConfigInput['queue']) {
  const counter = join(temporaryDirectory('hyperion-check-runs'), 'runs');
  fixture = await createQueueFixture({
    files: files(count),
    config: { checks: [{ name: 'counted', command: countedCheck(counter, verdict) }], queue },
  });
  const entries: QueueEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    const content = index === 4 ? `f${index} BAD\n` : `F${index}\n`;
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
  const root = fixture.temporary.root;
  const reflog = async () =>
    (await runGit(['reflog', 'show', '--format=%H', 'refs/heads/main'], { cwd: root })).stdout
      .trim()
      .split('\n');
  const firstParents = async () =>
    (await runGit(['rev-list', '--first-parent', 'main'], { cwd: root })).stdout.trim().split('\n');
  return { counter, entries, root, reflog, firstParents };
}

async function types(id: string): Promise<string[]> {
  return (await fixture!.store.listEvents({ entryId: id })).map((event) => event.type);
}

describe('batch strategy', () => {
  it('lands a green batch of 4 with one check run and one ref move, each entry as its own commit', async () => {
    const { counter, entries, reflog, firstParents, root } = await setUp(4, 'true', {
      strategy: { name: 'batch', max_batch: 4 },
    });
    const tipsBefore = (await reflog()).length;
    const historyBefore = (await firstParents()).length;
    const worker = fixture!.queue.createWorker('batcher');
    expect(await worker.processNextCandidate()).toEqual(['landed', 'landed', 'landed', 'landed']);
    await worker.dispose();
    expect(runsOf(counter)).toBe(1);
    expect((await reflog()).length - tipsBefore, 'one compare-and-swap').toBe(1);
    expect((await firstParents()).length - historyBefore).toBe(4);
    const landed = await Promise.all(entries.map((entry) => fixture!.store.requireEntry(entry.id)));
    // The chain is in lease (submission) order; each entry landed as its own commit.
    const chain = (await firstParents()).slice(0, 4).reverse();
    expect(landed.map((entry) => entry.landed_commit)).toEqual(chain);
    for (const entry of entries) {
      const own = await types(entry.id);
      expect(own).toContain('batch:formed');
      expect(own.filter((type) => type === 'check:passed')).toHaveLength(1);
    }
    const passed = (await fixture!.store.listEvents({ entryId: entries[2]!.id })).find(
      (event) => event.type === 'check:passed',
    );
    expect(passed?.data['batch']).toMatchObject({ size: 4, head: chain[3] });
    expect((await runGit(['show', 'main:f3.txt'], { cwd: root })).stdout).toBe('F3\n');
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });

  it('finds the one culprit in 8 within 1 + log2(8) runs one probe at a time, lands the green prefix and then the rest', async () => {
    const { counter, entries, root } = await setUp(8, '! grep -qs BAD f4.txt', {
      max_attempts: 1,
      strategy: { name: 'batch', max_batch: 8, flake_reruns: 1, bisect_concurrency: 1 },
    });
    const worker = fixture!.queue.createWorker('bisector');
    const outcomes = await worker.processNextCandidate();
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
    expect(runsOf(counter)).toBeLessThanOrEqual(1 + 3);
    // The green prefix found by the first probe (4 entries) landed before the rest was bisected.
    const events = await fixture!.store.listEvents({});
    const landedPrefix = events.find(
      (event) => event.type === 'entry:landed' && event.entry_id === entries[3]!.id,
    );
    const laterProbe = events.find(
      (event) =>
        event.type === 'check:failed' &&
        event.entry_id === entries[4]!.id &&
        (event.data as { batch?: { size?: number } }).batch?.size === 6,
    );
    expect(landedPrefix).toBeDefined();
    expect(laterProbe).toBeDefined();
    expect(landedPrefix!.id).toBeLessThan(laterProbe!.id);
    const culprit = await fixture!.store.requireEntry(entries[4]!.id);
    expect(culprit.state).toBe('quarantined');
    expect(await types(culprit.id)).toContain('batch:bisected');
    for (const returned of entries.slice(5)) {
      expect(await fixture!.store.requireEntry(returned.id)).toMatchObject({ state: 'queued', attempts: 0 });
      expect(await types(returned.id)).toContain('entry:batch_returned');
    }
    expect(await worker.processNextCandidate()).toEqual(['landed', 'landed', 'landed']);
    await worker.dispose();
    expect(await fixture!.store.countByState()).toEqual({ landed: 7, quarantined: 1 });
    expect((await runGit(['show', 'main:f4.txt'], { cwd: root })).stdout).toBe('f4\n');
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });

  it('checks two probes at once by default, in two worktrees: the culprit in 8 found in two rounds, the green prefixes landed', async () => {
    const spans = join(temporaryDirectory('hyperion-check-spans'), 'spans');
    // Each run writes its start and end (ms) and the prefix it saw; a probe takes at least 300 ms.
    const verdict =
      `start=$(node -e 'process.stdout.write(String(Date.now()))'); sleep 0.3; ` +
      `n=$(cat f*.txt | grep -c '^F'); ` +
      `echo "$start $(node -e 'process.stdout.write(String(Date.now()))') $n $(grep -c BAD f4.txt)" >> ${spans}; ` +
      '! grep -qs BAD f4.txt';
    const { counter, entries, root } = await setUp(8, verdict, {
      max_attempts: 1,
      // Two check slots whatever the machine's parallelism (the default is os.availableParallelism()).
      strategy: { name: 'batch', max_batch: 8, flake_reruns: 1, max_in_flight: 2 },
    });
    const worker = fixture!.queue.createWorker('bisector');
    const outcomes = await worker.processNextCandidate();
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
    // The chain (red), then prefixes 3 and 5 at once (green, red), then prefix 4 (green).
    expect(runsOf(counter)).toBe(4);
    const runs = readFileSync(spans, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number) as [number, number, number, number]);
    const [, three, five] = [
      runs[0]!,
      ...runs.slice(1, 3).sort((left, right) => left[2] + left[3] - right[2] - right[3]),
    ];
    expect(three![2] + three![3]).toBe(3);
    expect(five![2] + five![3]).toBe(5);
    expect(three![0] < five![1] && five![0] < three![1], 'the two probes overlapped').toBe(true);
    expect(worker.probeWorktreePath.endsWith('-probe')).toBe(true);
    const bisected = (await fixture!.store.listEvents({ entryId: entries[4]!.id })).find(
      (event) => event.type === 'batch:bisected',
    );
    expect(bisected?.data).toMatchObject({ culprit: entries[4]!.id, green_prefix: 4, runs: 3 });
    await worker.dispose();
    const worktrees = (await runGit(['worktree', 'list', '--porcelain'], { cwd: root })).stdout;
    expect(worktrees).not.toContain('-probe');
    expect((await runGit(['show', 'main:f3.txt'], { cwd: root })).stdout).toBe('F3\n');
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });

  it('catches a semantic conflict: two changes that each pass alone and fail together never both land', async () => {
    const counter = join(temporaryDirectory('hyperion-check-runs'), 'runs');
    // Fails only when both a.txt and b.txt were changed.
    const verdict = '! { grep -q X a.txt && grep -q Y b.txt; }';
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      config: {
        checks: [{ name: 'together', command: countedCheck(counter, verdict) }],
        queue: { max_attempts: 2, strategy: { name: 'batch', max_batch: 4, flake_reruns: 0 } },
      },
    });
    const first = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'X\n')),
    );
    const second = await fixture.queue.submit(
      changeRequest('T-b', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'Y\n')),
    );
    const summary = await fixture.queue.runWorkers({ mode: 'drain', workers: 1 });
    expect(summary).toEqual({ landed: 1, retry_scheduled: 1, quarantined: 1 });
    expect((await fixture.store.requireEntry(first.id)).state).toBe('landed');
    expect((await fixture.store.requireEntry(second.id)).state).toBe('quarantined');
    const root = fixture.temporary.root;
    expect((await runGit(['show', 'main:b.txt'], { cwd: root })).stdout).toBe('b\n');
    // The batch, one bisection probe, then the retry alone: never a run on a textual conflict.
    expect(runsOf(counter)).toBe(3);
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });

  it('confirms a red batch before charging anyone: a check that flakes evicts nobody, and the flake is recorded on every entry', async () => {
    const state = join(temporaryDirectory('hyperion-flake'), 'seen');
    // The first run anywhere fails, every later one passes.
    const verdict = `if [ -f ${state} ]; then true; else touch ${state}; false; fi`;
    const { counter, entries } = await setUp(3, verdict, { strategy: { name: 'batch', max_batch: 3 } });
    const worker = fixture!.queue.createWorker('flaky');
    expect(await worker.processNextCandidate()).toEqual(['landed', 'landed', 'landed']);
    await worker.dispose();
    // The red batch, two probes (both green: the first two entries land), then the whole chain
    // again, since only its first run was red: it passes.
    expect(runsOf(counter)).toBe(4);
    for (const entry of entries) {
      const own = await types(entry.id);
      expect(own).toContain('check:flaked');
      expect(own).not.toContain('entry:batch_returned');
      expect(own).not.toContain('entry:retry_scheduled');
      expect(await fixture!.store.requireEntry(entry.id)).toMatchObject({ state: 'landed', attempts: 1 });
    }
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });

  it('never batches textual conflicts: an entry that does not apply is conflicted before any check run', async () => {
    const counter = join(temporaryDirectory('hyperion-check-runs'), 'runs');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      config: {
        checks: [{ name: 'counted', command: countedCheck(counter) }],
        queue: { strategy: { name: 'batch', max_batch: 4 } },
      },
    });
    const good = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    const stale = await fixture.queue.submit(
      changeRequest('T-b', 'b.txt', replaceFilePatch('b.txt', 'not b\n', 'B\n')),
    );
    const worker = fixture.queue.createWorker('conflicts');
    expect(await worker.processNextCandidate()).toEqual(['landed', 'conflicted']);
    await worker.dispose();
    expect(runsOf(counter)).toBe(1);
    expect((await fixture.store.requireEntry(good.id)).state).toBe('landed');
    expect((await types(stale.id)).filter((type) => type.startsWith('check:'))).toEqual([]);
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });
});

/** A real board that remembers the most candidates it ever held at once. */
class CountingBoard extends ProcessSpeculationBoard {
  inFlight = 0;
  mostInFlight = 0;
  override async publish(candidate: SpeculationCandidate): Promise<void> {
    // Published again (marked at risk): still one candidate.
    if (!(await this.isCandidate(candidate.commit))) this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    await super.publish(candidate);
  }
  override async withdraw(commit: string): Promise<void> {
    if (await this.isCandidate(commit)) this.inFlight -= 1;
    await super.withdraw(commit);
  }
}

describe('serial strategy', () => {
  it('never has two candidates in flight, even with three workers, and spends one run per change', async () => {
    const { counter } = await setUp(5, '! grep -qs BAD f4.txt', {
      max_attempts: 1,
      strategy: { name: 'serial' },
    });
    const board = new CountingBoard();
    const queue = fixture!.openAnotherQueue({ speculation: board });
    const summary = await queue.runWorkers({ mode: 'drain', workers: 3 });
    expect(summary).toEqual({ landed: 4, quarantined: 1 });
    expect(board.mostInFlight).toBe(1);
    expect(runsOf(counter)).toBe(5);
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });
});

describe('adaptive strategy (the default)', () => {
  it('is the default and lands a batch while failures are rare', async () => {
    const { counter } = await setUp(6, 'true', {});
    expect(fixture!.queue.config.queue.strategy.name).toBe('adaptive');
    const worker = fixture!.queue.createWorker('adaptive');
    // Slow start: a batch of two before any verdict, then two verdicts allow four.
    expect(await worker.processNextCandidate()).toEqual(['landed', 'landed']);
    expect(await worker.processNextCandidate()).toEqual(['landed', 'landed', 'landed', 'landed']);
    await worker.dispose();
    expect(runsOf(counter)).toBe(2);
  });

  it('shrinks to one entry per candidate as failures rise, and a change that failed once goes alone', async () => {
    // Every change but the one to f0.txt breaks the check.
    const { entries } = await setUp(12, "! grep -qs '^F[1-9]' f*.txt", { max_attempts: 2 });
    const worker = fixture!.queue.createWorker('adaptive');
    const sizes: number[] = [];
    for (;;) {
      const outcomes = await worker.processNextCandidate();
      if (outcomes[0] === 'idle') {
        // Failed changes wait out a short backoff before they are runnable again.
        if (!(await fixture!.queue.hasPendingWork())) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
        continue;
      }
      sizes.push(outcomes.filter((outcome) => outcome !== 'returned').length);
      expect(sizes.length).toBeLessThan(60);
    }
    await worker.dispose();
    expect(sizes[0]).toBeGreaterThan(1);
    expect(sizes.slice(-6)).toEqual([1, 1, 1, 1, 1, 1]);
    for (const entry of entries) {
      const leases = (await fixture!.store.listEvents({ entryId: entry.id })).filter(
        (event) => event.type === 'entry:leased' && Number(event.data['attempt']) > 1,
      );
      for (const lease of leases) {
        const formed = (await fixture!.store.listEvents({ entryId: entry.id })).filter(
          (event) => event.type === 'batch:formed' && event.id > lease.id,
        );
        expect(formed, `${entry.id} was batched after a failure`).toEqual([]);
      }
    }
    expect(await compareWithLive(fixture!.store)).toEqual([]);
  });
});

describe('stacked changes under batching', () => {
  it('never puts a change and the one stacked on it in one batch, and lands them in submission order', async () => {
    fixture = await createQueueFixture({
      files: { 'notes.txt': 'start\n', ...files(3) },
      config: { queue: { strategy: { name: 'batch', max_batch: 8 } } },
    });
    const lines = ['start'];
    const stack: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const last = lines.length;
      const patch = [
        'diff --git a/notes.txt b/notes.txt',
        '--- a/notes.txt',
        '+++ b/notes.txt',
        `@@ -${last},1 +${last},2 @@`,
        ` ${lines[last - 1]}`,
        `+line ${index}`,
        '',
      ].join('\n');
      stack.push((await fixture.queue.submitChecked(changeRequest(`T-s${index}`, 'notes.txt', patch))).id);
      lines.push(`line ${index}`);
      await fixture.queue.submit(
        changeRequest(
          `T-f${index}`,
          `f${index}.txt`,
          replaceFilePatch(`f${index}.txt`, `f${index}\n`, `F${index}\n`),
        ),
      );
    }
    expect(await fixture.queue.runWorkers({ mode: 'drain', workers: 2 })).toEqual({ landed: 6 });
    const events = await fixture.store.listEvents();
    for (const formed of events.filter((event) => event.type === 'batch:formed')) {
      const members = (formed.data['entries'] as string[]).filter((id) => stack.includes(id));
      expect(members.length, 'two entries of one stack in a batch').toBeLessThanOrEqual(1);
    }
    const landingOrder = events
      .filter((event) => event.type === 'entry:landed' && stack.includes(event.entry_id))
      .map((event) => event.entry_id);
    expect(landingOrder).toEqual(stack);
    const root = fixture.temporary.root;
    expect((await runGit(['show', 'main:notes.txt'], { cwd: root })).stdout).toBe(`${lines.join('\n')}\n`);
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });
});

describe('adaptive at 40% failure', () => {
  it('spends at most 1.1× the check runs of serial on the same 30 changes', async () => {
    const runsFor = async (name: 'serial' | 'adaptive'): Promise<number> => {
      const counter = join(temporaryDirectory('hyperion-check-runs'), 'runs');
      fixture = await createQueueFixture({
        files: files(30),
        config: {
          checks: [
            { name: 'counted', command: countedCheck(counter, '! grep -rqs BAD --exclude-dir=.git .') },
          ],
          queue: { max_attempts: 1, strategy: { name } },
        },
      });
      for (let index = 0; index < 30; index += 1) {
        // Changes 0, 5, 10 … and 2, 7, 12 …: 12 of 30 break the check, spread over the queue.
        const content = index % 5 === 0 || index % 5 === 2 ? `BAD ${index}\n` : `F${index}\n`;
        await fixture.queue.submit(
          changeRequest(
            `T-${index}`,
            `f${index}.txt`,
            replaceFilePatch(`f${index}.txt`, `f${index}\n`, content),
          ),
        );
      }
      expect(await fixture.queue.runWorkers({ mode: 'drain', workers: 1 })).toMatchObject({
        landed: 18,
        quarantined: 12,
      });
      expect(await compareWithLive(fixture.store)).toEqual([]);
      await fixture.cleanup();
      fixture = undefined;
      return runsOf(counter);
    };
    const serial = await runsFor('serial');
    const adaptive = await runsFor('adaptive');
    expect(serial).toBe(30);
    expect(adaptive).toBeLessThanOrEqual(serial * 1.1);
    // Sixty real check runs and two drains: minutes, not seconds, on a loaded 2-core machine.
  }, 240_000);
});
