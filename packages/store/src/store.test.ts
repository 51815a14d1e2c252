import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HyperionError } from '@hyperion/schema';
import { HyperionStore } from './store.js';
import { compareWithLive } from './replay.js';
import type { NewQueueEntry } from './records.js';

let directory: string;
let now: number;
let store: HyperionStore;

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
  store = HyperionStore.open(join(directory, '.hyperion', 'hyperion.db'), { clock: () => now, create: true });
});

afterEach(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('HyperionStore', () => {
  it('opens in WAL mode with synchronous set explicitly, and migrations run once', () => {
    expect(store.pragma('journal_mode')).toBe('wal');
    expect(store.pragma('synchronous')).toBe(2);
    const again = HyperionStore.open(store.path);
    expect(again.pragma('integrity_check')).toBe('ok');
    again.close();
  });

  it('writes the entry and its enqueued event in one transaction', () => {
    const entry = store.enqueue(newEntry('a'));
    expect(entry.state).toBe('queued');
    const events = store.listEvents({ entryId: 'a' });
    expect(events.map((event) => [event.type, event.from_state, event.to_state])).toEqual([
      ['entry:enqueued', null, 'queued'],
    ]);
  });

  it('refuses a duplicate submission of the same task and patch, and writes nothing', () => {
    store.enqueue(newEntry('a'));
    const attempt = () =>
      store.enqueue(newEntry('b', { task_id: 'task-a', patch_hash: 'a'.padEnd(64, '0') }));
    expect(attempt).toThrowError(/duplicate submission/);
    expect(store.getEntry('b')).toBeUndefined();
    expect(store.listEvents().length).toBe(1);
  });

  it('leases by priority, then submission order, and skips paths held by a live lease', () => {
    store.enqueue(newEntry('low'));
    store.enqueue(newEntry('high', { priority: 5, paths: ['shared.txt'] }));
    store.enqueue(newEntry('same-file', { priority: 5, paths: ['shared.txt', 'other.txt'] }));
    expect(store.leaseNext('w1', 1000)?.id).toBe('high');
    expect(store.leaseNext('w2', 1000)?.id).toBe('low');
    expect(store.leaseNext('w3', 1000)).toBeUndefined();
  });

  it('does not lease an entry before its not_before time', () => {
    store.enqueue(newEntry('a'));
    store.transition('a', {
      from: 'queued',
      to: 'queued',
      type: 'entry:retry_scheduled',
      set: { not_before: now + 500 },
    });
    expect(store.leaseNext('w1', 1000)).toBeUndefined();
    now += 501;
    expect(store.leaseNext('w1', 1000)?.id).toBe('a');
  });

  it('takes an expired lease again without charging an attempt, and the old owner can no longer complete it', () => {
    store.enqueue(newEntry('a'));
    const first = store.leaseNext('w1', 1000);
    expect(first?.attempts).toBe(1);
    expect(store.leaseNext('w2', 1000)).toBeUndefined();
    now += 1001;
    const second = store.leaseNext('w2', 1000);
    expect(second?.lease_owner).toBe('w2');
    // Promise 9: the dead worker's attempt is given back and counted as a lease expiry instead.
    expect(second).toMatchObject({ attempts: 1, lease_expiries: 1 });
    expect(store.renewLease('a', 'w1', 1000)).toBe(false);
    expect(() =>
      store.transition('a', { from: 'running', owner: 'w1', to: 'landed', type: 'entry:landed' }),
    ).toThrowError(expect.objectContaining({ code: 'lease_lost' }) as HyperionError);
    const types = store.listEvents({ entryId: 'a' }).map((event) => event.type);
    expect(types).toEqual(['entry:enqueued', 'entry:leased', 'entry:lease_expired', 'entry:leased']);
  });

  it('never spends the last attempt on a dead worker: lease after lease expires, the attempt stays 1 of 1', () => {
    store.enqueue(newEntry('a', { max_attempts: 1 }));
    store.leaseNext('w0', 1000);
    for (let expiry = 1; expiry <= 5; expiry += 1) {
      now += 5000;
      const again = store.leaseNext(`w${expiry}`, 1000);
      expect(again).toMatchObject({
        id: 'a',
        state: 'running',
        attempts: 1,
        max_attempts: 1,
        lease_expiries: expiry,
      });
      expect(again?.last_error).toMatch(new RegExp(`lease of w${expiry - 1} expired during attempt 1`));
    }
    expect(compareWithLive(store)).toEqual([]);
  });

  it('refuses a transition from an unexpected state and changes nothing', () => {
    store.enqueue(newEntry('a'));
    expect(() => store.transition('a', { from: 'running', to: 'landed', type: 'entry:landed' })).toThrowError(
      /entry a is queued; expected running/,
    );
    expect(store.requireEntry('a').state).toBe('queued');
    expect(store.listEvents().length).toBe(1);
  });

  it('names the missing id', () => {
    expect(() => store.requireEntry('nope')).toThrowError("no queue entry with id 'nope'");
  });

  it('stores requests and assignments, newest request first', () => {
    store.insertRequest({ id: 'r1', summary: 'one', status: 'received', body: { a: 1 } });
    now += 1;
    store.insertRequest({ id: 'r2', summary: 'two', status: 'received', body: {} });
    store.insertAssignment({ task_id: 'r1-1', request_id: 'r1', summary: 's', status: 'planned', body: {} });
    store.updateRequest('r1', 'failed', 'boom');
    expect(store.listRequests().map((request) => request.id)).toEqual(['r2', 'r1']);
    expect(store.getRequest('r1')).toMatchObject({ status: 'failed', error: 'boom', body: { a: 1 } });
    expect(store.listAssignments('r1').map((assignment) => assignment.task_id)).toEqual(['r1-1']);
    expect(() => store.insertRequest({ id: 'r1', summary: 'x', status: 'received', body: {} })).toThrowError(
      /already submitted/,
    );
  });
});
