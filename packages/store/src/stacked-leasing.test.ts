import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HyperionStore } from './store.js';
import { compareWithLive } from './replay.js';
import type { NewQueueEntry } from './records.js';

let directory: string;
let now: number;
let store: HyperionStore;

function newEntry(id: string, paths: string[], overrides: Partial<NewQueueEntry> = {}): NewQueueEntry {
  return {
    id,
    task_id: `task-${id}`,
    request_id: null,
    agent: 'test',
    summary: `change ${id}`,
    priority: 0,
    max_attempts: 3,
    target_branch: 'main',
    paths,
    patch: `patch ${id}`,
    patch_hash: id.padEnd(64, '0'),
    base_commit: null,
    checks: [],
    change_request: { id },
    ...overrides,
  };
}

/** Ends a running entry's attempt with a retry backoff, as a worker does after a failed check. */
function failWithBackoff(id: string, owner: string, delayMs: number): void {
  store.transition(id, {
    from: 'running',
    owner,
    to: 'queued',
    type: 'entry:retry_scheduled',
    data: { reason: 'check failed' },
    set: { not_before: now + delayMs, last_error: 'check failed' },
  });
}

function land(id: string, owner: string): void {
  store.transition(id, {
    from: 'running',
    owner,
    to: 'landed',
    type: 'entry:landed',
    data: {},
    set: { last_error: null },
  });
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-stacked-'));
  now = 1_700_000_000_000;
  store = HyperionStore.open(join(directory, 'hyperion.db'), { clock: () => now, create: true });
});

afterEach(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('leasing in submission order per file', () => {
  it('never lets an entry overtake an earlier one on the same file, not even with a higher priority', () => {
    store.enqueue(newEntry('first', ['shared.txt']));
    store.enqueue(newEntry('second', ['shared.txt'], { priority: 100 }));
    store.enqueue(newEntry('elsewhere', ['other.txt'], { priority: 50 }));
    expect(store.leaseNext('w1', 1000)?.id).toBe('elsewhere');
    expect(store.leaseNext('w2', 1000)?.id).toBe('first');
    expect(store.leaseNext('w3', 1000)).toBeUndefined();
    land('first', 'w2');
    expect(store.leaseNext('w3', 1000)?.id).toBe('second');
  });

  it('holds later entries on the file while the earlier one waits out its retry backoff', () => {
    store.enqueue(newEntry('first', ['shared.txt']));
    store.enqueue(newEntry('second', ['shared.txt', 'b.txt']));
    store.enqueue(newEntry('third', ['b.txt']));
    expect(store.leaseNext('w1', 1000)?.id).toBe('first');
    failWithBackoff('first', 'w1', 10_000);
    // `second` shares a file with the waiting `first`; `third` shares one with the held `second`.
    expect(store.leaseNext('w1', 1000)).toBeUndefined();
    now += 10_001;
    expect(store.leaseNext('w1', 1000)?.id).toBe('first');
  });

  it('holds a stacked entry until the entry it depends on finishes, whatever its files', () => {
    store.enqueue(newEntry('base', ['a.txt']));
    store.enqueue(newEntry('stacked', ['z.txt'], { depends_on: ['base'] }));
    expect(store.getEntry('stacked')?.depends_on).toEqual(['base']);
    expect(store.leaseNext('w1', 1000)?.id).toBe('base');
    expect(store.leaseNext('w2', 1000)).toBeUndefined();
    land('base', 'w1');
    expect(store.leaseNext('w2', 1000)?.id).toBe('stacked');
  });

  it('lets an entry awaiting approval hold its dependents but not the other entries on its files', () => {
    store.enqueue(newEntry('risky', ['shared.txt'], { state: 'awaiting_approval' }));
    store.enqueue(newEntry('independent', ['shared.txt']));
    store.enqueue(newEntry('stacked', ['shared.txt'], { depends_on: ['risky'] }));
    expect(store.leaseNext('w1', 1000)?.id).toBe('independent');
    land('independent', 'w1');
    expect(store.leaseNext('w1', 1000)).toBeUndefined();
    store.transition('risky', { from: 'awaiting_approval', to: 'queued', type: 'entry:approved' });
    expect(store.leaseNext('w1', 1000)?.id).toBe('risky');
  });

  it('counts no pending work when everything waiting hangs on an approval, directly or through a held file', () => {
    store.enqueue(newEntry('risky', ['shared.txt'], { state: 'awaiting_approval' }));
    store.enqueue(newEntry('stacked', ['shared.txt', 'b.txt'], { depends_on: ['risky'] }));
    store.enqueue(newEntry('behind', ['b.txt']));
    expect(store.hasPendingWork('main')).toBe(false);
    store.enqueue(newEntry('free', ['c.txt']));
    expect(store.hasPendingWork('main')).toBe(true);
    expect(store.hasPendingWork('other-branch')).toBe(false);
  });

  it('replays lease expiries and stacked submissions to the live state', () => {
    store.enqueue(newEntry('base', ['a.txt']));
    store.enqueue(newEntry('stacked', ['a.txt'], { depends_on: ['base'] }));
    store.leaseNext('w1', 1000);
    now += 2000;
    store.leaseNext('w2', 1000);
    land('base', 'w2');
    expect(store.requireEntry('base')).toMatchObject({ attempts: 1, lease_expiries: 1 });
    expect(compareWithLive(store)).toEqual([]);
  });
});
