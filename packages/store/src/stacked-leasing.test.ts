import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import { compareWithLive } from './replay.js';
import type { NewQueueEntry } from './records.js';

let directory: string;
let now: number;
let store: SqliteStore;

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
async function failWithBackoff(id: string, owner: string, delayMs: number): Promise<void> {
  await store.transition(id, {
    from: 'running',
    owner,
    to: 'queued',
    type: 'entry:retry_scheduled',
    data: { reason: 'check failed' },
    set: { not_before: now + delayMs, last_error: 'check failed' },
  });
}

async function land(id: string, owner: string): Promise<void> {
  await store.transition(id, {
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
  store = SqliteStore.open(join(directory, 'hyperion.db'), { clock: () => now, create: true });
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('leasing in submission order per file', () => {
  it('never lets an entry overtake an earlier one on the same file, not even with a higher priority', async () => {
    await store.enqueue(newEntry('first', ['shared.txt']));
    await store.enqueue(newEntry('second', ['shared.txt'], { priority: 100 }));
    await store.enqueue(newEntry('elsewhere', ['other.txt'], { priority: 50 }));
    expect((await store.leaseNext('w1', 1000))?.id).toBe('elsewhere');
    expect((await store.leaseNext('w2', 1000))?.id).toBe('first');
    expect(await store.leaseNext('w3', 1000)).toBeUndefined();
    await land('first', 'w2');
    expect((await store.leaseNext('w3', 1000))?.id).toBe('second');
  });

  it('holds later entries on the file while the earlier one waits out its retry backoff', async () => {
    await store.enqueue(newEntry('first', ['shared.txt']));
    await store.enqueue(newEntry('second', ['shared.txt', 'b.txt']));
    await store.enqueue(newEntry('third', ['b.txt']));
    expect((await store.leaseNext('w1', 1000))?.id).toBe('first');
    await failWithBackoff('first', 'w1', 10_000);
    // `second` shares a file with the waiting `first`; `third` shares one with the held `second`.
    expect(await store.leaseNext('w1', 1000)).toBeUndefined();
    now += 10_001;
    expect((await store.leaseNext('w1', 1000))?.id).toBe('first');
  });

  it('holds a stacked entry until the entry it depends on finishes, whatever its files', async () => {
    await store.enqueue(newEntry('base', ['a.txt']));
    await store.enqueue(newEntry('stacked', ['z.txt'], { depends_on: ['base'] }));
    expect((await store.getEntry('stacked'))?.depends_on).toEqual(['base']);
    expect((await store.leaseNext('w1', 1000))?.id).toBe('base');
    expect(await store.leaseNext('w2', 1000)).toBeUndefined();
    await land('base', 'w1');
    expect((await store.leaseNext('w2', 1000))?.id).toBe('stacked');
  });

  it('lets an entry awaiting approval hold its dependents but not the other entries on its files', async () => {
    await store.enqueue(newEntry('risky', ['shared.txt'], { state: 'awaiting_approval' }));
    await store.enqueue(newEntry('independent', ['shared.txt']));
    await store.enqueue(newEntry('stacked', ['shared.txt'], { depends_on: ['risky'] }));
    expect((await store.leaseNext('w1', 1000))?.id).toBe('independent');
    await land('independent', 'w1');
    expect(await store.leaseNext('w1', 1000)).toBeUndefined();
    await store.transition('risky', { from: 'awaiting_approval', to: 'queued', type: 'entry:approved' });
    expect((await store.leaseNext('w1', 1000))?.id).toBe('risky');
  });

  it('counts no pending work when everything waiting hangs on an approval, directly or through a held file', async () => {
    await store.enqueue(newEntry('risky', ['shared.txt'], { state: 'awaiting_approval' }));
    await store.enqueue(newEntry('stacked', ['shared.txt', 'b.txt'], { depends_on: ['risky'] }));
    await store.enqueue(newEntry('behind', ['b.txt']));
    expect(await store.hasPendingWork('main')).toBe(false);
    await store.enqueue(newEntry('free', ['c.txt']));
    expect(await store.hasPendingWork('main')).toBe(true);
    expect(await store.hasPendingWork('other-branch')).toBe(false);
  });

  it('replays lease expiries and stacked submissions to the live state', async () => {
    await store.enqueue(newEntry('base', ['a.txt']));
    await store.enqueue(newEntry('stacked', ['a.txt'], { depends_on: ['base'] }));
    await store.leaseNext('w1', 1000);
    now += 2000;
    await store.leaseNext('w2', 1000);
    await land('base', 'w2');
    expect(await store.requireEntry('base')).toMatchObject({ attempts: 1, lease_expiries: 1 });
    expect(await compareWithLive(store)).toEqual([]);
  });
});
