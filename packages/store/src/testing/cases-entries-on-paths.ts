import { describe, expect, it } from 'vitest';
import { conformanceEntry as entry, landEntry } from './conformance-entries.js';
import type { ConformanceContext } from './store-conformance.js';

/** `listUnfinishedEntriesOnPaths`: what new work on some files would land after. */
export function describeEntriesOnPathsCases(context: ConformanceContext): void {
  describe('unfinished entries on given paths', () => {
    it('lists the queued, running and approval-waiting entries on the paths, in submission order, and nothing finished or elsewhere', async () => {
      const { store } = context;
      await store.enqueue(entry('landed', ['a.txt']));
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('landed');
      await landEntry(store, 'landed', 'w1');
      await store.enqueue(entry('running', ['a.txt', 'b.txt']));
      await store.enqueue(entry('waiting', ['c.txt', 'a.txt'], { state: 'awaiting_approval' }));
      await store.enqueue(entry('queued', ['b.txt']));
      await store.enqueue(entry('other-file', ['d.txt']));
      await store.enqueue(entry('other-branch', ['a.txt'], { target_branch: 'release' }));
      await store.enqueue(entry('cancelled', ['a.txt']));
      await store.transition('cancelled', {
        from: 'queued',
        to: 'cancelled',
        type: 'entry:cancelled',
        data: {},
      });
      expect((await store.leaseNext('w1', 60_000, 'main'))?.id).toBe('running');
      const ids = async (paths: string[]) =>
        (await store.listUnfinishedEntriesOnPaths('main', paths)).map((found) => found.id);
      expect(await ids(['a.txt'])).toEqual(['running', 'waiting']);
      expect(await ids(['b.txt', 'c.txt'])).toEqual(['running', 'waiting', 'queued']);
      expect(await ids(['d.txt', 'missing.txt'])).toEqual(['other-file']);
      expect(await ids([])).toEqual([]);
      expect(
        (await store.listUnfinishedEntriesOnPaths('release', ['a.txt'])).map((found) => found.id),
      ).toEqual(['other-branch']);
      const [running] = await store.listUnfinishedEntriesOnPaths('main', ['b.txt']);
      expect(running?.state).toBe('running');
      expect(running?.paths).toEqual(['a.txt', 'b.txt']);
      await landEntry(store, 'running', 'w1');
      expect(await ids(['a.txt', 'b.txt'])).toEqual(['waiting', 'queued']);
      const inTransaction = await store.transaction((transaction) =>
        transaction.listUnfinishedEntriesOnPaths('main', ['c.txt']),
      );
      expect(inTransaction.map((found) => found.id)).toEqual(['waiting']);
    });
  });
}
