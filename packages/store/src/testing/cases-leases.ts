import { describe, expect, it } from 'vitest';
import { HyperionError, type QueueEntry } from '@hyperion/schema';
import { conformanceEntry as entry, landEntry, retryLater, seededRandom } from './conformance-entries.js';
import { replayDifferences } from './cases-records.js';
import type { ConformanceContext } from './store-conformance.js';

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (HyperionError.isInstance(error)) return error.code;
    throw error;
  }
  return 'no error';
}

function sharedPaths(running: readonly QueueEntry[]): string[] {
  const seen = new Set<string>();
  const shared: string[] = [];
  for (const item of running) {
    for (const path of new Set(item.paths)) {
      if (seen.has(path)) shared.push(`${path} (${item.id})`);
      seen.add(path);
    }
  }
  return shared;
}

/** Leases: expiry, ownership, path-disjoint leasing, controls and waiting for changes. */
export function describeLeaseCases(context: ConformanceContext): void {
  describe('lease expiry (promise 9)', () => {
    it('gives the attempt back, counts a lease expiry, and lets another worker take the entry', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt']));
      const first = await store.leaseNext('w1', 1000, 'main');
      expect(first).toMatchObject({ id: 'a', state: 'running', attempts: 1, lease_owner: 'w1' });
      context.now += 999;
      expect(await store.expireLeases()).toEqual([]);
      context.now += 2;
      const second = await store.leaseNext('w2', 1000, 'main');
      expect(second).toMatchObject({ id: 'a', attempts: 1, lease_expiries: 1, lease_owner: 'w2' });
      expect((await store.listEvents({ entryId: 'a' })).map((event) => event.type)).toEqual([
        'entry:enqueued',
        'entry:leased',
        'entry:lease_expired',
        'entry:leased',
      ]);
      expect(await store.renewLease('a', 'w1', 1000)).toBe(false);
      expect(await errorCode(landEntry(store, 'a', 'w1'))).toBe('lease_lost');
      context.now += 5000;
      const expired = await store.expireLeases();
      expect(
        expired.map((item) => [item.id, item.state, item.attempts, item.lease_expiries, item.lease_owner]),
      ).toEqual([['a', 'queued', 0, 2, null]]);
      expect(await replayDifferences(store)).toEqual([]);
    });

    it('keeps a renewed lease', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt']));
      await store.leaseNext('w1', 1000, 'main');
      context.now += 800;
      expect(await store.renewLease('a', 'w1', 1000)).toBe(true);
      context.now += 800;
      expect(await store.expireLeases()).toEqual([]);
      expect((await store.requireEntry('a')).lease_owner).toBe('w1');
    });
  });

  describe('lease ownership', () => {
    it('refuses another worker renewing or finishing the lease, and writes no event for it', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt']));
      await store.leaseNext('w1', 60_000, 'main');
      const events = (await store.listEvents()).length;
      expect(await store.renewLease('a', 'intruder', 60_000)).toBe(false);
      expect(await errorCode(landEntry(store, 'a', 'intruder'))).toBe('lease_lost');
      expect(await store.listEvents()).toHaveLength(events);
      expect((await store.requireEntry('a')).state).toBe('running');
      await landEntry(store, 'a', 'w1');
      expect(await errorCode(landEntry(store, 'a', 'w1'))).toBe('lease_lost');
      expect(await store.renewLease('a', 'w1', 60_000)).toBe(false);
    });
  });

  describe('path-disjoint leasing', () => {
    it('never has two running entries with a common path, across many entries and handles', async () => {
      const { store } = context;
      const other = await context.another();
      const random = seededRandom(7);
      const pool = Array.from({ length: 12 }, (_, index) => `src/file-${index}.ts`);
      for (let index = 0; index < 80; index += 1) {
        const count = 1 + Math.floor(random() * 3);
        const paths = Array.from({ length: count }, () => pool[Math.floor(random() * pool.length)]!);
        await store.enqueue(entry(`e${index}`, paths, { priority: Math.floor(random() * 3) }));
      }
      let landed = 0;
      for (let round = 0; round < 400 && landed < 80; round += 1) {
        const handle = round % 2 === 0 ? store : other;
        const leased = await handle.leaseNext(`w${round % 5}`, 60_000, 'main');
        const running = await store.listEntries({ states: ['running'] });
        expect(sharedPaths(running)).toEqual([]);
        if (leased === undefined || random() < 0.5) {
          const finishing = running[Math.floor(random() * running.length)];
          if (finishing !== undefined) {
            await landEntry(handle, finishing.id, finishing.lease_owner!);
            landed += 1;
          }
        }
      }
      expect(landed).toBe(80);
      expect(await store.hasPendingWork('main')).toBe(false);
      expect(await replayDifferences(store)).toEqual([]);
    });
  });

  describe('queue controls', () => {
    it('leases nothing while paused or draining, on every handle', async () => {
      const { store } = context;
      const other = await context.another();
      await store.enqueue(entry('a', ['a.txt']));
      expect(await store.queueControls()).toEqual({ paused: false, draining: false });
      expect(await store.setQueueControls({ paused: true }, 'ops')).toEqual({
        paused: true,
        draining: false,
      });
      expect(await other.queueControls()).toEqual({ paused: true, draining: false });
      expect(await other.leaseNext('w1', 60_000, 'main')).toBeUndefined();
      expect(await store.setQueueControls({ paused: false, draining: true }, 'ops')).toEqual({
        paused: false,
        draining: true,
      });
      expect(await other.leaseNext('w1', 60_000, 'main')).toBeUndefined();
      await store.setQueueControls({ draining: false });
      expect((await other.leaseNext('w1', 60_000, 'main'))?.id).toBe('a');
    });

    it('still returns expired leases while paused', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt']));
      await store.leaseNext('w1', 1000, 'main');
      await store.setQueueControls({ paused: true });
      context.now += 2000;
      expect(await store.leaseNext('w2', 1000, 'main')).toBeUndefined();
      expect(await store.requireEntry('a')).toMatchObject({ state: 'queued', lease_expiries: 1 });
    });
  });

  describe('waiting for changes', () => {
    it('wakes a waiter on another handle when an entry is enqueued, and at once when aborted', async () => {
      const { store } = context;
      const other = await context.another();
      await other.waitForChange(1);
      // Longer than any test's timeout: it returns only because the enqueue woke it.
      const woken = other.waitForChange(3_600_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.enqueue(entry('a', ['a.txt']));
      await woken;
      const controller = new AbortController();
      const aborted = other.waitForChange(3_600_000, controller.signal);
      controller.abort();
      await aborted;
    });

    it('wakes a waiter when a lease is given back or the controls change', async () => {
      const { store } = context;
      const other = await context.another();
      await store.enqueue(entry('a', ['a.txt']));
      await store.leaseNext('w1', 60_000, 'main');
      await other.waitForChange(1);
      const afterRetry = other.waitForChange(3_600_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await retryLater(store, 'a', 'w1', context.now + 10);
      await afterRetry;
      const afterControls = other.waitForChange(3_600_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.setQueueControls({ paused: true });
      await afterControls;
    });
  });
}
