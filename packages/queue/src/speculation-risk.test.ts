import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit, type GitRepository } from '@hyperion/git';
import { compareWithLive, type SqliteStore } from '@hyperion/store';
import { QueueStrategyConfigSchema } from '@hyperion/schema';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { pickSpeculativeBase, type SpeculationCandidate } from './speculation.js';
import { StoreSpeculationBoard } from './speculation-store.js';
import { maxCandidatesInFlight } from './strategy/index.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';
import { waitFor } from './testing/wait-for.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/**
 * The real store board, remembering the most candidates the store held at once, by their owners
 * (a bisection swapping in its probe holds two for a moment). A candidate that is the tip has
 * landed (its check is over) and is not counted, as `pickSpeculativeBase` does not count it.
 */
class WatchedBoard extends StoreSpeculationBoard {
  mostInFlight = 0;
  constructor(
    private readonly watched: SqliteStore,
    private readonly repository: GitRepository,
  ) {
    super({ store: watched, targetBranch: 'main', location: 'objects' });
  }
  override async publish(candidate: SpeculationCandidate): Promise<void> {
    await super.publish(candidate);
    const listed = await this.watched.listCandidates('main');
    // Read after the list: a landing in between leaves out one more candidate whose check is over.
    const tip = await this.repository.requireBranch('main');
    const owners = new Set(listed.filter((item) => item.commit !== tip).map((item) => item.owner));
    this.mostInFlight = Math.max(this.mostInFlight, owners.size);
  }
}

function candidate(commit: string, parent: string, entryIds: string[], atRisk = false): SpeculationCandidate {
  return { commit, parent, entryIds, owner: `w-${commit}`, atRisk };
}

describe('pickSpeculativeBase', () => {
  it('stacks on the head of the chain, waits on a candidate at risk, and never exceeds the slots', () => {
    const chain = [candidate('c1', 'tip', ['E1']), candidate('c2', 'c1', ['E2'])];
    expect(pickSpeculativeBase(chain, 'tip', ['E9'], 3)).toEqual({ base: 'c2' });
    expect(pickSpeculativeBase(chain, 'tip', ['E9'], 2)).toEqual({ wait: 'in_flight', base: 'c2' });
    // An entry never stacks on its own earlier attempt.
    expect(pickSpeculativeBase(chain, 'tip', ['E2'], 3)).toEqual({ base: 'c1' });
    // c1 landed: it is the tip now, and no longer takes a slot.
    expect(pickSpeculativeBase(chain, 'c1', ['E9'], 2)).toEqual({ base: 'c2' });
    const probe = [candidate('p1', 'tip', ['E1'], true)];
    expect(pickSpeculativeBase(probe, 'tip', ['E9'], 4)).toEqual({ wait: 'at_risk' });
    const redHead = [candidate('c1', 'tip', ['E1']), candidate('c2', 'c1', ['E2'], true)];
    expect(pickSpeculativeBase(redHead, 'tip', ['E9'], 4)).toEqual({ wait: 'at_risk' });
    expect(pickSpeculativeBase([], 'tip', ['E9'], 1)).toEqual({ base: 'tip' });
    // A worker swapping a probe in for its chain is one check, not two.
    const swapping = [
      candidate('c1', 'tip', ['E1', 'E2']),
      { ...candidate('p1', 'tip', ['E1'], true), owner: 'w-c1' },
    ];
    expect(pickSpeculativeBase(swapping, 'c0', ['E9'], 2)).toEqual({ base: 'c0' });
  });

  it('reads max_in_flight from the config, the available parallelism by default', () => {
    expect(maxCandidatesInFlight(QueueStrategyConfigSchema.parse({ max_in_flight: 3 }))).toBe(3);
    expect(maxCandidatesInFlight(QueueStrategyConfigSchema.parse({}))).toBeGreaterThanOrEqual(1);
    expect(QueueStrategyConfigSchema.safeParse({ max_in_flight: 0 }).success).toBe(false);
  });
});

describe('speculation with a red batch (real repository, real SQLite)', () => {
  it('builds no candidate on a bisection probe or on a chain found red, and keeps at most max_in_flight candidates', async () => {
    const counter = join(temporaryDirectory('hyperion-check-runs'), 'runs');
    // A red run takes longer than a green one, so the workers whose candidates were stacked on
    // the red batch come back to build while its bisection's probes are being checked.
    const check = `echo run >> ${counter}; if grep -qs BAD f1.txt; then sleep 1; exit 1; fi; sleep 0.2`;
    const count = 12;
    fixture = await createQueueFixture({
      files: Object.fromEntries(
        Array.from({ length: count }, (_, index) => [`f${index}.txt`, `f${index}\n`]),
      ),
      config: {
        checks: [{ name: 'slow', command: check }],
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 4, max_in_flight: 2 } },
      },
    });
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const content = index === 1 ? `f${index} BAD\n` : `F${index}\n`;
      const request = changeRequest(
        `T-${index}`,
        `f${index}.txt`,
        replaceFilePatch(`f${index}.txt`, `f${index}\n`, content),
      );
      ids.push((await fixture.queue.submit(request)).id);
    }
    const board = new WatchedBoard(fixture.store, fixture.temporary.repository);
    const queue = fixture.openQueue({ speculation: board });
    // The entries after the culprit go back uncharged (`returned`) and land later.
    const summary = await queue.runWorkers({ mode: 'drain', workers: 3 });
    expect(summary).toMatchObject({
      landed: 11,
      quarantined: 1,
    });
    const states = await Promise.all(ids.map(async (id) => (await fixture!.store.requireEntry(id)).state));
    expect(states.filter((state) => state === 'landed')).toHaveLength(11);
    expect(board.mostInFlight).toBe(2);

    const events = (await fixture.store.listEvents({})).sort((a, b) => a.id - b.id);
    const headOf = (data: Record<string, unknown>) => (data['batch'] as { head?: string } | undefined)?.head;
    const formedHeads = new Set(
      events.filter((event) => event.type === 'batch:formed').map((event) => headOf(event.data)),
    );
    const checkedHeads = events
      .filter((event) => event.type === 'check:passed' || event.type === 'check:failed')
      .map((event) => headOf(event.data))
      .filter((head): head is string => head !== undefined);
    const landedCommits = new Set(
      (await Promise.all(ids.map((id) => fixture!.store.requireEntry(id)))).map(
        (entry) => entry.landed_commit,
      ),
    );
    // A probe is a checked prefix that no batch was formed with; once it landed it is the tip.
    const probes = new Set(checkedHeads.filter((head) => !formedHeads.has(head) && !landedCommits.has(head)));
    expect(probes.size, 'the red batch was bisected').toBeGreaterThan(0);
    // The base of each candidate: its first entry's parent (one event per entry of a chain).
    const committed = events.filter((event) => event.type === 'entry:committed');
    const firstLinks = committed.filter((event) => {
      const batch = event.data['batch'] as { id?: string } | undefined;
      const first = committed.find(
        (other) => (other.data['batch'] as { id?: string } | undefined)?.id === batch?.id,
      );
      return batch === undefined || first === event;
    });
    expect(firstLinks.filter((event) => probes.has(String(event.data['parent'])))).toEqual([]);
    // A chain whose build ended after its base came out red is never checked.
    for (const failed of events.filter((event) => event.type === 'check:failed')) {
      const head = headOf(failed.data);
      if (head === undefined || landedCommits.has(head)) continue;
      const built = firstLinks.filter((event) => event.id > failed.id && event.data['parent'] === head);
      for (const first of built) {
        const checkedLater = events.some(
          (event) =>
            event.entry_id === first.entry_id &&
            event.type.startsWith('check:') &&
            headOf(event.data) === headOf(first.data),
        );
        expect(checkedLater, `checked on ${head} after it was red`).toBe(false);
      }
    }
    expect(
      (await runGit(['show', 'main:f1.txt'], { cwd: fixture.temporary.root })).stdout,
      'the broken change never lands',
    ).toBe('f1\n');
    expect(await fixture.store.listCandidates('main')).toEqual([]);
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });
});

describe('a speculative batch with a real textual conflict in it', () => {
  it('leaves the conflicting entry out and stays stacked, instead of being rebuilt on the tip beside the candidate in flight', async () => {
    const counter = join(temporaryDirectory('hyperion-check-runs'), 'runs');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'x.txt': 'x\n', 'c.txt': 'c\n', 'd.txt': 'd\n' },
      config: {
        // The first batch's check is slow, so the second worker builds while it is in flight.
        checks: [{ name: 'slow', command: `echo run >> ${counter}; grep -q A a.txt && sleep 1; true` }],
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 2, max_in_flight: 2 } },
      },
    });
    const submit = (task: string, path: string, from: string, to: string) =>
      fixture!.queue.submit(changeRequest(task, path, replaceFilePatch(path, from, to)));
    await submit('T-a', 'a.txt', 'a\n', 'A\n');
    await submit('T-x', 'x.txt', 'x\n', 'X\n');
    const stale = await submit('T-c', 'c.txt', 'not c\n', 'C\n');
    const stacked = await submit('T-d', 'd.txt', 'd\n', 'D\n');
    const firstWorker = fixture.queue.createWorker('first');
    const secondWorker = fixture.queue.createWorker('second');
    const first = firstWorker.processNextCandidate();
    await waitFor(async () => (await fixture!.store.listCandidates('main')).length > 0);
    const second = secondWorker.processNextCandidate();
    expect(await first).toEqual(['landed', 'landed']);
    expect(await second).toEqual(['conflicted', 'landed']);
    await firstWorker.dispose();
    await secondWorker.dispose();
    const events = await fixture.store.listEvents({ entryId: stacked.id });
    expect(events.filter((event) => event.type === 'check:passed')).toHaveLength(1);
    expect(events.map((event) => event.type)).not.toContain('entry:race_lost');
    expect(events.find((event) => event.type === 'entry:committed')?.data['speculative']).toBe(true);
    expect((await fixture.store.requireEntry(stale.id)).state).toBe('conflicted');
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });
});

describe('a candidate while every check slot is taken', () => {
  it('is built and checked out ahead, and its check starts once a slot frees, never beyond max_in_flight', async () => {
    const log = join(temporaryDirectory('hyperion-check-starts'), 'starts');
    // Each check logs the commit it runs on and when it started, then takes 1.5 s.
    const check = `echo "$(git rev-parse HEAD) $(node -e 'console.log(Date.now())')" >> ${log}; sleep 1.5`;
    fixture = await createQueueFixture({
      files: { 'f0.txt': 'f0\n', 'f1.txt': 'f1\n', 'f2.txt': 'f2\n' },
      config: {
        checks: [{ name: 'slow', command: check, timeout_ms: 60_000 }],
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 1, max_in_flight: 2 } },
      },
    });
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const request = changeRequest(
        `T-${index}`,
        `f${index}.txt`,
        replaceFilePatch(`f${index}.txt`, `f${index}\n`, `F${index}\n`),
      );
      ids.push((await fixture.queue.submit(request)).id);
    }
    const board = new WatchedBoard(fixture.store, fixture.temporary.repository);
    const queue = fixture.openQueue({ speculation: board });
    expect(await queue.runWorkers({ mode: 'drain', workers: 3 })).toMatchObject({ landed: 3 });
    expect(board.mostInFlight).toBe(2);

    const events = await fixture.store.listEvents({});
    const at = (type: string, id: string) =>
      events
        .filter((event) => event.type === type && event.entry_id === id)
        .map((event) => Date.parse(event.at));
    const landed = await Promise.all(ids.map((id) => fixture!.store.requireEntry(id)));
    // Landing order: the candidate landed last was built ahead of a slot.
    const order = [...landed].sort(
      (a, b) => Math.min(...at('entry:landed', a.id)) - Math.min(...at('entry:landed', b.id)),
    );
    const [first, , last] = order;
    const firstLanded = Math.min(...at('entry:landed', first!.id));
    // Committed (built) before the first candidate landed and freed a slot…
    expect(Math.max(...at('entry:committed', last!.id))).toBeLessThan(firstLanded);
    // …and checked after, on the commit it was built as: one build, one check.
    const starts = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    const lastRuns = starts.filter(([commit]) => commit === last!.landed_commit);
    expect(lastRuns).toHaveLength(1);
    expect(Number(lastRuns[0]![1])).toBeGreaterThanOrEqual(firstLanded - 5);
    expect(starts).toHaveLength(3);
    expect(await fixture.store.listCandidates('main')).toEqual([]);
  });
});
