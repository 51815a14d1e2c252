import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HyperionError } from '@hyperion/schema';
import { SqliteStore } from './sqlite-store.js';
import { compareWithLive } from './replay.js';
import type { NewQueueEntry } from './records.js';

let directory: string;
let now: number;
let store: SqliteStore;

function newEntry(id: string, overrides: Partial<NewQueueEntry> = {}): NewQueueEntry {
  return {
    id,
    task_id: `task-${id}`,
    request_id: null,
    agent: 'test',
    summary: `change ${id}`,
    priority: 0,
    max_attempts: 2,
    target_branch: 'main',
    paths: [`${id}.txt`],
    patch: `patch ${id}`,
    patch_hash: id.padEnd(64, '0'),
    base_commit: null,
    checks: [],
    change_request: { id },
    ...overrides,
  };
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-store-'));
  now = 1_700_000_000_000;
  store = SqliteStore.open(join(directory, '.hyperion', 'hyperion.db'), { clock: () => now, create: true });
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('opens in WAL mode with synchronous set explicitly, and migrations run once', async () => {
    expect(store.pragma('journal_mode')).toBe('wal');
    expect(store.pragma('synchronous')).toBe(2);
    const again = SqliteStore.open(store.path);
    expect(again.pragma('integrity_check')).toBe('ok');
    await again.close();
  });

  it('writes the entry and its enqueued event in one transaction', async () => {
    const entry = await store.enqueue(newEntry('a'));
    expect(entry.state).toBe('queued');
    const events = await store.listEvents({ entryId: 'a' });
    expect(events.map((event) => [event.type, event.from_state, event.to_state])).toEqual([
      ['entry:enqueued', null, 'queued'],
    ]);
  });

  it('refuses a duplicate submission of the same task and patch, and writes nothing', async () => {
    await store.enqueue(newEntry('a'));
    const attempt = store.enqueue(newEntry('b', { task_id: 'task-a', patch_hash: 'a'.padEnd(64, '0') }));
    await expect(attempt).rejects.toThrowError(/duplicate submission/);
    expect(await store.getEntry('b')).toBeUndefined();
    expect((await store.listEvents()).length).toBe(1);
  });

  it('leases by priority, then submission order, and skips paths held by a live lease', async () => {
    await store.enqueue(newEntry('low'));
    await store.enqueue(newEntry('high', { priority: 5, paths: ['shared.txt'] }));
    await store.enqueue(newEntry('same-file', { priority: 5, paths: ['shared.txt', 'other.txt'] }));
    expect((await store.leaseNext('w1', 1000))?.id).toBe('high');
    expect((await store.leaseNext('w2', 1000))?.id).toBe('low');
    expect(await store.leaseNext('w3', 1000)).toBeUndefined();
  });

  it('does not lease an entry before its not_before time', async () => {
    await store.enqueue(newEntry('a'));
    await store.transition('a', {
      from: 'queued',
      to: 'queued',
      type: 'entry:retry_scheduled',
      set: { not_before: now + 500 },
    });
    expect(await store.leaseNext('w1', 1000)).toBeUndefined();
    now += 501;
    expect((await store.leaseNext('w1', 1000))?.id).toBe('a');
  });

  it('takes an expired lease again without charging an attempt, and the old owner can no longer complete it', async () => {
    await store.enqueue(newEntry('a'));
    const first = await store.leaseNext('w1', 1000);
    expect(first?.attempts).toBe(1);
    expect(await store.leaseNext('w2', 1000)).toBeUndefined();
    now += 1001;
    const second = await store.leaseNext('w2', 1000);
    expect(second?.lease_owner).toBe('w2');
    // Promise 9: the dead worker's attempt is given back and counted as a lease expiry instead.
    expect(second).toMatchObject({ attempts: 1, lease_expiries: 1 });
    expect(await store.renewLease('a', 'w1', 1000)).toBe(false);
    await expect(
      store.transition('a', { from: 'running', owner: 'w1', to: 'landed', type: 'entry:landed' }),
    ).rejects.toThrowError(expect.objectContaining({ code: 'lease_lost' }) as HyperionError);
    const types = (await store.listEvents({ entryId: 'a' })).map((event) => event.type);
    expect(types).toEqual(['entry:enqueued', 'entry:leased', 'entry:lease_expired', 'entry:leased']);
  });

  it('never spends the last attempt on a dead worker: lease after lease expires, the attempt stays 1 of 1', async () => {
    await store.enqueue(newEntry('a', { max_attempts: 1 }));
    await store.leaseNext('w0', 1000);
    for (let expiry = 1; expiry <= 5; expiry += 1) {
      now += 5000;
      const again = await store.leaseNext(`w${expiry}`, 1000);
      expect(again).toMatchObject({
        id: 'a',
        state: 'running',
        attempts: 1,
        max_attempts: 1,
        lease_expiries: expiry,
      });
      expect(again?.last_error).toMatch(new RegExp(`lease of w${expiry - 1} expired during attempt 1`));
    }
    expect(await compareWithLive(store)).toEqual([]);
  });

  it('refuses a transition from an unexpected state and changes nothing', async () => {
    await store.enqueue(newEntry('a'));
    await expect(
      store.transition('a', { from: 'running', to: 'landed', type: 'entry:landed' }),
    ).rejects.toThrowError(/entry a is queued; expected running/);
    expect((await store.requireEntry('a')).state).toBe('queued');
    expect((await store.listEvents()).length).toBe(1);
  });

  it('names the missing id', async () => {
    await expect(store.requireEntry('nope')).rejects.toThrowError("no queue entry with id 'nope'");
  });

  it('stores requests and assignments, newest request first', async () => {
    await store.insertRequest({ id: 'r1', summary: 'one', status: 'received', body: { a: 1 } });
    now += 1;
    await store.insertRequest({ id: 'r2', summary: 'two', status: 'received', body: {} });
    await store.insertAssignment({
      task_id: 'r1-1',
      request_id: 'r1',
      summary: 's',
      status: 'planned',
      body: {},
    });
    await store.updateRequest('r1', 'failed', 'boom');
    expect((await store.listRequests()).map((request) => request.id)).toEqual(['r2', 'r1']);
    expect(await store.getRequest('r1')).toMatchObject({ status: 'failed', error: 'boom', body: { a: 1 } });
    expect((await store.listAssignments('r1')).map((assignment) => assignment.task_id)).toEqual(['r1-1']);
    await expect(
      store.insertRequest({ id: 'r1', summary: 'x', status: 'received', body: {} }),
    ).rejects.toThrowError(/already submitted/);
  });
});
