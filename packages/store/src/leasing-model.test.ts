import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueEntry, QueueState } from '@hyperion/schema';
import { SqliteDatabaseStore } from './store.js';
import type { NewQueueEntry } from './records.js';
import { REBUILD_QUEUE_BLOCKERS_SQL } from './queue-blockers.js';
import { oracleHasPendingWork, oracleLease, oracleRunnable } from './leasing-oracle.test-support.js';

const PATHS = ['a.txt', 'b.txt', 'c.txt', 'd.txt'];
const BRANCHES = ['main', 'main', 'main', 'release'];
const FINISHED: readonly QueueState[] = ['landed', 'quarantined', 'conflicted'];
const LEASE_MS = 1000;

let directory: string;
let now: number;
let store: SqliteDatabaseStore;
let reader: Database.Database;

/** A small seeded generator, so a failing interleaving can be replayed from its seed. */
function generator(seed: number): { next: () => number; pick: <T>(items: readonly T[]) => T } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, pick: (items) => items[Math.floor(next() * items.length)]! };
}

function newEntry(id: string, overrides: Partial<NewQueueEntry>): NewQueueEntry {
  return {
    id,
    task_id: `task-${id}`,
    request_id: null,
    agent: 'test',
    summary: `change ${id}`,
    priority: 0,
    max_attempts: 3,
    target_branch: 'main',
    paths: ['a.txt'],
    patch: `patch ${id}`,
    patch_hash: id.padEnd(64, '0'),
    base_commit: null,
    checks: [],
    change_request: { id },
    ...overrides,
  };
}

function entries(): QueueEntry[] {
  return store.listEntries({ order: 'submission' });
}

/** The queued entries the stored `blockers` count lets run, read straight from the file. */
function storedRunnable(targetBranch: string): string[] {
  return (
    reader
      .prepare(
        "SELECT id FROM queue_entries WHERE state = 'queued' AND blockers = 0 AND target_branch = ? ORDER BY sequence",
      )
      .all(targetBranch) as Array<{ id: string }>
  ).map((row) => row.id);
}

function storedBlockers(): Record<string, number> {
  const rows = reader.prepare('SELECT id, blockers FROM queue_entries ORDER BY sequence').all() as Array<{
    id: string;
    blockers: number;
  }>;
  return Object.fromEntries(rows.map((row) => [row.id, row.blockers]));
}

/** Checks the store against the reference rule without changing anything. */
function expectAgreement(step: string): void {
  const all = entries();
  for (const branch of new Set(BRANCHES)) {
    expect(storedRunnable(branch), `${step}: runnable on ${branch}`).toEqual(
      oracleRunnable(all, branch).map((entry) => entry.id),
    );
    expect(store.hasPendingWork(branch), `${step}: pending work on ${branch}`).toBe(
      oracleHasPendingWork(all, branch),
    );
  }
}

/** One random action; returns what it did, for the failure message. */
function randomStep(random: ReturnType<typeof generator>, index: number): string {
  const all = entries();
  const inState = (...states: QueueState[]): QueueEntry[] =>
    all.filter((entry) => states.includes(entry.state));
  const roll = random.next();
  if (roll < 0.25 || all.length < 3) {
    const id = `e${index}`;
    const paths = PATHS.filter(() => random.next() < 0.4);
    if (paths.length === 0) paths.push(random.pick(PATHS));
    const earlier = all.filter(() => random.next() < 0.08).map((entry) => entry.id);
    store.enqueue(
      newEntry(id, {
        paths,
        priority: random.pick([0, 0, 0, 5, 10]),
        target_branch: random.pick(BRANCHES),
        depends_on: earlier,
        state: random.next() < 0.2 ? 'awaiting_approval' : 'queued',
      }),
    );
    return `enqueue ${id} ${paths.join(',')} after ${earlier.join(',')}`;
  }
  if (roll < 0.45) {
    const branch = random.next() < 0.15 ? undefined : random.pick(BRANCHES);
    const expected = oracleLease(entries(), now, branch);
    const leased = store.leaseNext(`w${index}`, LEASE_MS, branch);
    expect(leased?.id, `lease at step ${index} on ${branch ?? 'any branch'}`).toBe(expected?.id);
    return `lease ${leased?.id ?? 'nothing'}`;
  }
  if (roll < 0.6) {
    const running = inState('running');
    if (running.length === 0) return 'no running entry to finish';
    const entry = random.pick(running);
    const to = random.pick(FINISHED);
    store.transition(entry.id, { from: 'running', to, type: 'entry:landed', data: {} });
    return `finish ${entry.id} as ${to}`;
  }
  if (roll < 0.68) {
    const running = inState('running');
    if (running.length === 0) return 'no running entry to retry';
    const entry = random.pick(running);
    store.transition(entry.id, {
      from: 'running',
      to: 'queued',
      type: 'entry:retry_scheduled',
      set: { not_before: random.next() < 0.5 ? now + 500 : null },
    });
    return `retry ${entry.id}`;
  }
  if (roll < 0.76) {
    const waiting = inState('awaiting_approval');
    if (waiting.length === 0) return 'nothing to approve';
    const entry = random.pick(waiting);
    store.transition(entry.id, { from: 'awaiting_approval', to: 'queued', type: 'entry:approved' });
    return `approve ${entry.id}`;
  }
  if (roll < 0.82) {
    const waiting = inState('queued', 'awaiting_approval');
    if (waiting.length === 0) return 'nothing to cancel';
    const entry = random.pick(waiting);
    store.transition(entry.id, { from: entry.state, to: 'cancelled', type: 'entry:cancelled' });
    return `cancel ${entry.id}`;
  }
  if (roll < 0.9) {
    // A finished entry comes back (a retry of a quarantined or conflicted change), possibly while
    // later entries on its files are running.
    const finished = inState(...FINISHED, 'cancelled');
    if (finished.length === 0) return 'nothing to bring back';
    const entry = random.pick(finished);
    const to = random.next() < 0.8 ? 'queued' : 'awaiting_approval';
    store.transition(entry.id, { from: entry.state, to, type: 'entry:retry_scheduled' });
    return `bring back ${entry.id} as ${to}`;
  }
  if (roll < 0.95) {
    const waiting = inState('queued', 'awaiting_approval');
    if (waiting.length === 0) return 'nothing to bump';
    const entry = random.pick(waiting);
    store.transition(entry.id, {
      from: entry.state,
      to: entry.state,
      type: 'entry:bumped',
      set: { priority: random.pick([0, 20]) },
    });
    return `bump ${entry.id}`;
  }
  const advance = random.pick([300, 700, 1200]);
  now += advance;
  return `advance the clock ${advance} ms`;
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-leasing-model-'));
  now = 1_700_000_000_000;
  store = SqliteDatabaseStore.open(join(directory, 'hyperion.db'), { clock: () => now, create: true });
  reader = new Database(join(directory, 'hyperion.db'), { readonly: true });
});

afterEach(() => {
  reader.close();
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('indexed leasing against the scan it replaced', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`leases what the scan would, through random interleavings (seed ${seed})`, () => {
      const random = generator(seed);
      const history: string[] = [];
      for (let index = 0; index < 220; index += 1) {
        history.push(randomStep(random, index));
        try {
          expectAgreement(`step ${index}`);
        } catch (error) {
          throw new Error(`${(error as Error).message}\nafter: ${history.slice(-12).join(' | ')}`);
        }
      }
      // The counts kept step by step equal the counts made from scratch.
      const kept = storedBlockers();
      const writer = new Database(store.path);
      writer.exec(REBUILD_QUEUE_BLOCKERS_SQL);
      writer.close();
      expect(storedBlockers()).toEqual(kept);
      expect(Object.values(kept).some((count) => count > 1)).toBe(true);
    });
  }

  it('holds an entry that comes back while a later one on its file runs, and the ones behind it', () => {
    store.enqueue(newEntry('first', { paths: ['a.txt'] }));
    store.enqueue(newEntry('second', { paths: ['a.txt'] }));
    store.enqueue(newEntry('third', { paths: ['a.txt', 'b.txt'] }));
    store.enqueue(newEntry('other', { paths: ['b.txt'] }));
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('first');
    store.transition('first', { from: 'running', to: 'quarantined', type: 'entry:quarantined' });
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('second');
    // `first` is retried while `second`, submitted after it, is running on the same file.
    store.transition('first', { from: 'quarantined', to: 'queued', type: 'entry:retry_scheduled' });
    expect(store.leaseNext('w2', LEASE_MS, 'main')).toBeUndefined();
    expect(store.hasPendingWork('main')).toBe(true);
    store.transition('second', { from: 'running', to: 'landed', type: 'entry:landed' });
    expect(store.leaseNext('w2', LEASE_MS, 'main')?.id).toBe('first');
    expect(store.leaseNext('w3', LEASE_MS, 'main')).toBeUndefined();
    store.transition('first', { from: 'running', to: 'landed', type: 'entry:landed' });
    expect(store.leaseNext('w3', LEASE_MS, 'main')?.id).toBe('third');
    expectAgreement('end');
  });

  it('lets a later entry that is retried wait behind an earlier one that came back meanwhile', () => {
    store.enqueue(newEntry('first', { paths: ['a.txt'], state: 'awaiting_approval' }));
    store.enqueue(newEntry('second', { paths: ['a.txt'] }));
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('second');
    store.transition('first', { from: 'awaiting_approval', to: 'queued', type: 'entry:approved' });
    expectAgreement('approved while a later entry runs');
    store.transition('second', { from: 'running', to: 'queued', type: 'entry:retry_scheduled' });
    expectAgreement('the later entry retried');
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('first');
    expect(store.leaseNext('w2', LEASE_MS, 'main')).toBeUndefined();
  });

  it('waits for a dependency that comes back, and for one submitted after the entry naming it', () => {
    store.enqueue(newEntry('base', { paths: ['a.txt'] }));
    store.enqueue(newEntry('stacked', { paths: ['z.txt'], depends_on: ['base', 'later'] }));
    store.enqueue(newEntry('later', { paths: ['y.txt'] }));
    expectAgreement('after enqueue');
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('base');
    store.transition('base', { from: 'running', to: 'conflicted', type: 'entry:conflicted' });
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('later');
    store.transition('later', { from: 'running', to: 'landed', type: 'entry:landed' });
    store.transition('base', { from: 'conflicted', to: 'awaiting_approval', type: 'entry:retry_scheduled' });
    expect(store.leaseNext('w1', LEASE_MS, 'main')).toBeUndefined();
    expect(store.hasPendingWork('main')).toBe(false);
    store.transition('base', { from: 'awaiting_approval', to: 'queued', type: 'entry:approved' });
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('base');
    store.transition('base', { from: 'running', to: 'landed', type: 'entry:landed' });
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('stacked');
  });

  it('returns an expired lease to its place: entries behind it on its files keep waiting', () => {
    store.enqueue(newEntry('first', { paths: ['a.txt'] }));
    store.enqueue(newEntry('second', { paths: ['a.txt'] }));
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('first');
    now += LEASE_MS + 1;
    expect(store.leaseNext('w2', LEASE_MS, 'main')?.id).toBe('first');
    expect(store.requireEntry('first')).toMatchObject({ lease_owner: 'w2', lease_expiries: 1 });
    expect(store.leaseNext('w3', LEASE_MS, 'main')).toBeUndefined();
  });

  it('compares files within one target branch', () => {
    store.enqueue(newEntry('on-main', { paths: ['a.txt'] }));
    store.enqueue(newEntry('on-release', { paths: ['a.txt'], target_branch: 'release' }));
    expect(store.leaseNext('w1', LEASE_MS, 'main')?.id).toBe('on-main');
    expect(store.leaseNext('w2', LEASE_MS)?.id).toBe('on-release');
  });
});
