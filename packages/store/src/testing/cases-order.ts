import { describe, expect, it } from 'vitest';
import { conformanceEntry as entry, landEntry, retryLater } from './conformance-entries.js';
import { replayDifferences } from './cases-records.js';
import type { ConformanceContext } from './store-conformance.js';

/** Submission order on common paths, `depends_on`, approvals, pending work and replay. */
export function describeOrderCases(context: ConformanceContext): void {
  describe('submission order for stacked entries', () => {
    it('never lets a later entry on a common path run first, not even with a higher priority', async () => {
      const { store } = context;
      await store.enqueue(entry('first', ['shared.txt']));
      await store.enqueue(entry('second', ['shared.txt'], { priority: 100 }));
      await store.enqueue(entry('elsewhere', ['other.txt'], { priority: 50 }));
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('elsewhere');
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('first');
      expect(await store.leaseNext('w3', 60_000, 'main')).toBeUndefined();
      await landEntry(store, 'first', 'w2');
      expect((await store.leaseNext('w3', 60_000, 'main'))?.id).toBe('second');
    });

    it('holds later entries, and the entries behind them, while the earlier one waits out its backoff', async () => {
      const { store } = context;
      await store.enqueue(entry('first', ['shared.txt']));
      await store.enqueue(entry('second', ['shared.txt', 'b.txt']));
      await store.enqueue(entry('third', ['b.txt']));
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('first');
      await retryLater(store, 'first', 'w1', context.now + 10_000);
      expect(await store.leaseNext('w1', 60_000, 'main')).toBeUndefined();
      expect(await store.hasPendingWork('main')).toBe(true);
      context.now += 10_001;
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('first');
      await landEntry(store, 'first', 'w1');
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('second');
      expect(await store.leaseNext('w2', 60_000, 'main')).toBeUndefined();
      await landEntry(store, 'second', 'w1');
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('third');
    });

    it('holds a stacked entry until what it depends on finishes, whatever its paths', async () => {
      const { store } = context;
      await store.enqueue(entry('base', ['a.txt']));
      await store.enqueue(entry('stacked', ['z.txt'], { depends_on: ['base'], priority: 10 }));
      expect((await store.getEntry('stacked'))?.depends_on).toEqual(['base']);
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('base');
      expect(await store.leaseNext('w2', 60_000, 'main')).toBeUndefined();
      await retryLater(store, 'base', 'w1', context.now);
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('base');
      await store.transition('base', {
        from: 'running',
        owner: 'w2',
        to: 'quarantined',
        type: 'entry:quarantined',
        data: { reason: 'checks failed' },
        set: { last_error: 'checks failed' },
      });
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('stacked');
    });

    it('lets an entry awaiting approval hold its dependents but not the other entries on its paths', async () => {
      const { store } = context;
      await store.enqueue(entry('risky', ['shared.txt'], { state: 'awaiting_approval' }));
      await store.enqueue(entry('independent', ['shared.txt']));
      await store.enqueue(entry('stacked', ['shared.txt'], { depends_on: ['risky'], priority: 5 }));
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('independent');
      await landEntry(store, 'independent', 'w1');
      expect(await store.leaseNext('w1', 60_000, 'main')).toBeUndefined();
      await store.transition('risky', {
        from: 'awaiting_approval',
        to: 'queued',
        type: 'entry:approved',
        data: { by: 'x' },
      });
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('risky');
      expect(await store.leaseNext('w2', 60_000, 'main')).toBeUndefined();
      await landEntry(store, 'risky', 'w1');
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('stacked');
    });

    it('holds an approved entry while a later entry on its path is running', async () => {
      const { store } = context;
      await store.enqueue(entry('risky', ['shared.txt'], { state: 'awaiting_approval' }));
      await store.enqueue(entry('independent', ['shared.txt']));
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('independent');
      await store.transition('risky', {
        from: 'awaiting_approval',
        to: 'queued',
        type: 'entry:approved',
        data: { by: 'x' },
      });
      expect(await store.leaseNext('w2', 60_000, 'main')).toBeUndefined();
      await landEntry(store, 'independent', 'w1');
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('risky');
    });

    it('leases only entries of the branch asked for', async () => {
      const { store } = context;
      await store.enqueue(entry('main-change', ['a.txt']));
      await store.enqueue(entry('dev-change', ['a.txt'], { target_branch: 'dev', priority: 10 }));
      expect((await store.leaseNext('w1', 60_000, 'dev'))?.id).toBe('dev-change');
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('main-change');
      expect(await store.leaseNext('w3', 60_000, 'other')).toBeUndefined();
    });

    it('holds an entry only by entries of its own branch, on paths and on depends_on', async () => {
      const { store } = context;
      await store.enqueue(entry('main-first', ['a.txt']));
      // Same path as the queued main-first, and depending on it, but for another branch.
      await store.enqueue(
        entry('dev-later', ['a.txt'], { target_branch: 'dev', depends_on: ['main-first'] }),
      );
      expect(await store.hasPendingWork('dev')).toBe(true);
      expect((await store.leaseNext('w1', 60_000, 'dev'))?.id).toBe('dev-later');
      expect((await store.leaseNext('w2', 60_000, 'main'))?.id).toBe('main-first');
      // Finishing main-first changes nothing on dev: the next dev entry waits for dev-later only.
      await landEntry(store, 'main-first', 'w2');
      await store.enqueue(entry('dev-next', ['a.txt'], { target_branch: 'dev' }));
      expect(await store.leaseNext('w3', 60_000, 'dev')).toBeUndefined();
      await landEntry(store, 'dev-later', 'w1');
      expect((await store.leaseNext('w3', 60_000, 'dev'))?.id).toBe('dev-next');
    });
  });

  describe('pending work', () => {
    it('counts no pending work when everything waiting hangs on an approval, directly or through a held path', async () => {
      const { store } = context;
      await store.enqueue(entry('risky', ['shared.txt'], { state: 'awaiting_approval' }));
      await store.enqueue(entry('stacked', ['shared.txt', 'b.txt'], { depends_on: ['risky'] }));
      await store.enqueue(entry('behind', ['b.txt']));
      expect(await store.hasPendingWork('main')).toBe(false);
      expect(await store.hasPendingWork()).toBe(false);
      await store.enqueue(entry('free', ['c.txt']));
      expect(await store.hasPendingWork('main')).toBe(true);
      expect(await store.hasPendingWork('other-branch')).toBe(false);
      await store.leaseNext('w1', 60_000, 'main');
      expect(await store.hasPendingWork('main')).toBe(true);
      await landEntry(store, 'free', 'w1');
      expect(await store.hasPendingWork('main')).toBe(false);
      await store.transition('risky', {
        from: 'awaiting_approval',
        to: 'queued',
        type: 'entry:approved',
        data: { by: 'x' },
      });
      expect(await store.hasPendingWork('main')).toBe(true);
    });
  });

  describe('replay (promise 5)', () => {
    it('rebuilds the live state from the events after leases, expiries, retries, approvals and human actions', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt']));
      await store.enqueue(entry('b', ['a.txt'], { depends_on: ['a'] }));
      await store.enqueue(entry('c', ['c.txt'], { state: 'awaiting_approval' }));
      await store.enqueue(entry('d', ['d.txt']));
      await store.enqueue(entry('e', ['e.txt']));
      await store.leaseNext('w1', 1000, 'main');
      context.now += 2000;
      await store.leaseNext('w2', 60_000, 'main');
      await retryLater(store, 'a', 'w2', context.now);
      await store.leaseNext('w3', 60_000, 'main');
      await landEntry(store, 'a', 'w3');
      await store.transition('c', {
        from: 'awaiting_approval',
        to: 'queued',
        type: 'entry:approved',
        data: { by: 'x' },
      });
      await store.transition('d', {
        from: ['queued', 'awaiting_approval'],
        to: 'rejected',
        type: 'entry:rejected',
        data: { by: 'x', reason: 'no' },
        set: { last_error: 'rejected by x: no' },
      });
      await store.transition('e', {
        from: 'queued',
        to: 'queued',
        type: 'entry:bumped',
        data: { from_priority: 0, to_priority: 7 },
        set: { priority: 7 },
      });
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('e');
      expect((await store.listEntries()).map((item) => item.id)).toEqual(['e', 'a', 'b', 'c', 'd']);
      expect((await store.listEntries({ order: 'submission', limit: 2 })).map((item) => item.id)).toEqual([
        'a',
        'b',
      ]);
      expect(await store.countByState()).toEqual({ landed: 1, queued: 2, running: 1, rejected: 1 });
      expect(await replayDifferences(store)).toEqual([]);
    });
  });
}
