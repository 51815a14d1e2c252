import { describe, expect, it } from 'vitest';
import { conformanceEntry as entry, landEntry } from './conformance-entries.js';
import { replayDifferences } from './cases-records.js';
import type { ConformanceContext } from './store-conformance.js';

const HOUR = 3_600_000;

/** `pruneFinished`: payloads of old finished entries, and (when asked) the entries themselves. */
export function describePruneCases(context: ConformanceContext): void {
  describe('pruning finished entries', () => {
    async function landOld(id: string): Promise<void> {
      const { store } = context;
      await store.enqueue(entry(id, [`${id}.txt`]));
      const leased = await store.leaseNext(`w-${id}`, 60_000);
      expect(leased?.id).toBe(id);
      await landEntry(store, id, `w-${id}`);
    }

    it('empties only the payloads of finished entries older than the cut-off, keeping their events', async () => {
      const { store } = context;
      await landOld('old');
      context.now += 10 * HOUR;
      await landOld('recent');
      await store.enqueue(entry('waiting', ['waiting.txt']));
      const eventsBefore = (await store.listEvents()).length;
      const pruned = await store.pruneFinished({ finishedBefore: context.now - HOUR });
      expect(pruned).toEqual({ entries: ['old'], events: 0 });
      expect((await store.requireEntry('old')).patch).toBe('');
      expect(await store.getChangeRequest('old')).toBeNull();
      expect((await store.requireEntry('recent')).patch).toBe('patch recent');
      expect((await store.requireEntry('waiting')).patch).toBe('patch waiting');
      expect((await store.listEvents()).length).toBe(eventsBefore);
      expect(await replayDifferences(store)).toEqual([]);
      // A resubmission of the pruned change is still a duplicate; pruning again finds nothing.
      const old = entry('old', ['old.txt']);
      expect(await store.hasSubmission('old-again', old.task_id, old.patch_hash)).toBe(true);
      expect(await store.pruneFinished({ finishedBefore: context.now - HOUR })).toEqual({
        entries: [],
        events: 0,
      });
    });

    it('deletes the entries and their events when asked, but never one an unfinished entry is stacked on', async () => {
      const { store } = context;
      await landOld('gone');
      await landOld('base');
      await store.enqueue(entry('stacked', ['base.txt'], { depends_on: ['base'] }));
      context.now += 10 * HOUR;
      const pruned = await store.pruneFinished({ finishedBefore: context.now - HOUR, deleteEntries: true });
      expect(pruned.entries).toEqual(['gone']);
      expect(pruned.events).toBeGreaterThanOrEqual(3);
      expect(await store.getEntry('gone')).toBeUndefined();
      expect((await store.listEvents({ entryId: 'gone' })).length).toBe(0);
      expect((await store.requireEntry('base')).patch).toBe('patch base');
      expect(await replayDifferences(store)).toEqual([]);
      const gone = entry('gone', ['gone.txt']);
      expect(await store.hasSubmission('gone-again', gone.task_id, gone.patch_hash)).toBe(true);
      // The queue still works around the deleted entry.
      const leased = await store.leaseNext('w-next', 60_000);
      expect(leased?.id).toBe('stacked');
    });
  });
}
