import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportEventLog, importEventLog } from './event-log.js';
import type { NewQueueEntry } from './records.js';
import { compareWithLive } from './replay.js';
import { SqliteStore } from './sqlite-store.js';

let directory: string;
let file: string;
let store: SqliteStore;

function newEntry(id: string): NewQueueEntry {
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
  };
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-sqlite-store-'));
  file = join(directory, 'hyperion.db');
  store = SqliteStore.open(file, { create: true });
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('SqliteStore.transaction', () => {
  it('commits everything the work did through the transaction, including enqueue and transition (savepoints)', async () => {
    const leased = await store.transaction(async (transaction) => {
      await transaction.enqueue(newEntry('a'));
      await transaction.enqueue(newEntry('b'));
      return transaction.leaseNext('w1', 60_000);
    });
    expect(leased?.id).toBe('a');
    const other = SqliteStore.open(file);
    expect((await other.listEntries()).map((entry) => [entry.id, entry.state])).toEqual([
      ['a', 'running'],
      ['b', 'queued'],
    ]);
    await other.close();
    expect(await compareWithLive(store)).toEqual([]);
  });

  it('rolls everything back when the work throws, even writes whose own savepoint succeeded', async () => {
    await store.enqueue(newEntry('a'));
    await expect(
      store.transaction(async (transaction) => {
        await transaction.enqueue(newEntry('b'));
        await transaction.transition('a', { from: 'queued', to: 'cancelled', type: 'entry:cancelled' });
        // A duplicate fails inside its own savepoint; the work then gives up.
        await transaction.enqueue(newEntry('b'));
      }),
    ).rejects.toThrowError(/duplicate submission/);
    expect((await store.listEntries()).map((entry) => [entry.id, entry.state])).toEqual([['a', 'queued']]);
    expect((await store.listEvents()).map((event) => event.type)).toEqual(['entry:enqueued']);
  });

  it('keeps other calls on the store waiting until the transaction ends, and serves them after it', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transaction = store.transaction(async (operations) => {
      await operations.enqueue(newEntry('a'));
      order.push('enqueued in transaction');
      await gate;
      order.push('transaction ends');
    });
    const outside = store.listEntries().then((entries) => {
      order.push(`outside read sees ${entries.length}`);
    });
    // The outside read cannot run while the transaction waits on the gate.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['enqueued in transaction']);
    release();
    await Promise.all([transaction, outside]);
    expect(order).toEqual(['enqueued in transaction', 'transaction ends', 'outside read sees 1']);
  });

  it('refuses a call on the store itself from inside its transaction instead of waiting forever', async () => {
    await expect(store.transaction(async () => store.listEntries())).rejects.toThrowError(
      /use the transaction object/,
    );
    await expect(store.listEntries()).resolves.toEqual([]);
  });

  it('refuses a transaction object used after its transaction ended', async () => {
    const kept = await store.transaction(async (transaction) => transaction);
    await expect(kept.enqueue(newEntry('late'))).rejects.toThrowError(/after it ended/);
    expect(await store.getEntry('late')).toBeUndefined();
  });
});

describe('SqliteStore.waitForChange', () => {
  it('wakes on a write of this process', async () => {
    const woken = store.waitForChange(600_000);
    await store.enqueue(newEntry('a'));
    await woken;
  });

  it('is not woken by calls that change nothing (idle workers leasing in turn would wake each other forever)', async () => {
    const controller = new AbortController();
    let woken = false;
    const waiting = store.waitForChange(600_000, controller.signal).then(() => {
      woken = true;
    });
    expect(await store.leaseNext('w1', 60_000)).toBeUndefined();
    expect(await store.transaction(async (transaction) => transaction.listEntries())).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(false);
    await store.enqueue(newEntry('a'));
    await waiting;
    expect(woken).toBe(true);
  });

  it("wakes on another connection's commit (another process)", async () => {
    const other = SqliteStore.open(file);
    const woken = store.waitForChange(600_000);
    await other.enqueue(newEntry('a'));
    await woken;
    await other.close();
    expect((await store.listEntries()).map((entry) => entry.id)).toEqual(['a']);
  });

  it('resolves at once when aborted, and after the timeout without any change', async () => {
    const controller = new AbortController();
    const aborted = store.waitForChange(600_000, controller.signal);
    controller.abort();
    await aborted;
    await store.waitForChange(1);
  });
});

describe('event log export and import over the interface', () => {
  it('ships the queue to an empty store that then replays identically, and refuses a store with a queue', async () => {
    await store.enqueue(newEntry('a'));
    await store.enqueue(newEntry('b'));
    await store.leaseNext('w1', 60_000);
    const lines: string[] = [];
    expect(await exportEventLog(store, { write: (text: string) => lines.push(text) })).toEqual({
      entries: 2,
      events: 3,
    });
    const logFile = join(directory, 'log.jsonl');
    writeFileSync(logFile, lines.join(''));
    const target = SqliteStore.open(join(directory, 'restored.db'), { create: true });
    expect(await importEventLog(logFile, target)).toEqual({ entries: 2, events: 3 });
    expect(await compareWithLive(target)).toEqual([]);
    expect((await target.listEntries()).map((entry) => [entry.id, entry.state])).toEqual([
      ['a', 'running'],
      ['b', 'queued'],
    ]);
    expect((await target.requireEntry('a')).lease_expires_at).toBe(0);
    expect(await target.getChangeRequest('b')).toEqual({ id: 'b' });
    await expect(importEventLog(logFile, target)).rejects.toMatchObject({ code: 'invalid_state' });
    await target.close();
  });
});
