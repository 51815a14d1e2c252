import { describe, expect, it } from 'vitest';
import type { QueueEvent } from '@hyperion/schema';
import type { HyperionStore } from '../store-interface.js';
import { conformanceEntry as entry } from './conformance-entries.js';
import type { ConformanceContext } from './store-conformance.js';

const MINUTE = 60_000;

/** Every page of `listEventsSince(since)`, `limit` at a time, joined. */
async function pagedSince(store: HyperionStore, since: number, limit: number): Promise<QueueEvent[]> {
  const events: QueueEvent[] = [];
  for (;;) {
    const last = events.at(-1);
    const page = await store.listEventsSince({
      since,
      limit,
      ...(last === undefined ? {} : { after: { at: last.at, id: last.id } }),
    });
    events.push(...page);
    if (page.length < limit) return events;
  }
}

/** The events of `all` at or after `since`, in time-then-id order: what the store must return. */
function expectedSince(all: readonly QueueEvent[], since: number): number[] {
  return all
    .filter((event) => Date.parse(event.at) >= since)
    .sort((left, right) => Date.parse(left.at) - Date.parse(right.at) || left.id - right.id)
    .map((event) => event.id);
}

/** `listEventsSince`: the events of a time window, in time order, page by page. */
export function describeEventsSinceCases(context: ConformanceContext): void {
  describe('the newest events', () => {
    it('returns the newest `limit` events that match, oldest first, for the log and for one entry', async () => {
      const { store } = context;
      for (let index = 0; index < 5; index += 1) {
        await store.enqueue(entry(`n${index}`, [`n${index}.txt`]));
        await store.recordEvent('n0', 'entry:bumped', { index });
      }
      const all = (await store.listEvents()).map((event) => event.id);
      expect(all).toHaveLength(10);
      const ids = async (filter: Parameters<HyperionStore['listEvents']>[0]) =>
        (await store.listEvents(filter)).map((event) => event.id);
      expect(await ids({ newest: true, limit: 3 })).toEqual(all.slice(-3));
      expect(await ids({ newest: true, limit: 50 })).toEqual(all);
      const ofFirst = await ids({ entryId: 'n0' });
      expect(ofFirst).toHaveLength(6);
      expect(await ids({ entryId: 'n0', newest: true, limit: 2 })).toEqual(ofFirst.slice(-2));
      // After an id, the newest of those after it; no limit means every matching event.
      expect(await ids({ afterId: all[7]!, newest: true, limit: 5 })).toEqual(all.slice(8));
      expect(await ids({ newest: true })).toEqual(all);
      expect(await ids({ entryId: 'nobody', newest: true, limit: 2 })).toEqual([]);
    });
  });

  describe('events since a time', () => {
    it('returns exactly the events at or after the time, oldest first, and pages without gaps', async () => {
      const { store } = context;
      const start = context.now;
      for (let index = 0; index < 6; index += 1) {
        await store.enqueue(entry(`e${index}`, [`e${index}.txt`]));
        // Two events in the same millisecond: the id orders them.
        await store.recordEvent(`e${index}`, 'entry:bumped', { index });
        context.now += MINUTE;
      }
      const all = await store.listEvents();
      expect(all).toHaveLength(12);
      const since = start + 2 * MINUTE;
      const ids = (await store.listEventsSince({ since })).map((event) => event.id);
      expect(ids).toEqual(expectedSince(all, since));
      expect(ids).toHaveLength(8);
      // The boundary is inclusive: an event written exactly at `since` is in.
      expect((await store.listEventsSince({ since })).at(0)?.entry_id).toBe('e2');
      for (const limit of [1, 3, 5]) {
        expect((await pagedSince(store, since, limit)).map((event) => event.id)).toEqual(ids);
      }
      expect(await store.listEventsSince({ since: context.now + MINUTE })).toEqual([]);
      expect((await store.listEventsSince({ since: 0 })).map((event) => event.id)).toEqual(
        all.map((event) => event.id),
      );
    });

    it('orders by time even where ids and times disagree (an imported log)', async () => {
      const fresh = await context.freshStore();
      const base = Date.parse('2026-01-01T00:00:00.000Z');
      const at = (minutes: number): string => new Date(base + minutes * MINUTE).toISOString();
      const submission = (id: string) => {
        const { change_request: changeRequest, ...rest } = entry(id, [`${id}.txt`]);
        return {
          entry: {
            ...rest,
            state: 'queued' as const,
            attempts: 0,
            lease_expiries: 0,
            depends_on: [],
            lease_owner: null,
            lease_expires_at: null,
            not_before: null,
            last_error: null,
            landed_commit: null,
            created_at: at(0),
            updated_at: at(0),
          },
          change_request: changeRequest,
        };
      };
      const event = (id: number, entryId: string, minutes: number): QueueEvent => ({
        id,
        entry_id: entryId,
        type: id <= 2 ? 'entry:enqueued' : 'entry:bumped',
        from_state: null,
        to_state: id <= 2 ? 'queued' : null,
        worker: null,
        at: at(minutes),
        data: {},
      });
      // Event 4 was written by a process whose clock ran behind: earlier in time than event 3.
      const events = [
        event(1, 'a', 0),
        event(2, 'b', 1),
        event(3, 'a', 30),
        event(4, 'b', 20),
        event(5, 'a', 40),
      ];
      await fresh.importLog({ submissions: [submission('a'), submission('b')], events });
      const since = base + 10 * MINUTE;
      expect((await fresh.listEventsSince({ since })).map((item) => item.id)).toEqual([4, 3, 5]);
      expect((await pagedSince(fresh, since, 1)).map((item) => item.id)).toEqual([4, 3, 5]);
      expect((await fresh.listEventsSince({ since: base + 25 * MINUTE })).map((item) => item.id)).toEqual([
        3, 5,
      ]);
    });
  });
}
