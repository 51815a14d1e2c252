import { describe, expect, it } from 'vitest';
import { conformanceEntry as entry, seededRandom } from './conformance-entries.js';
import { replayDifferences } from './cases-records.js';
import { runWorkerProcesses } from './concurrency-worker.js';
import type { ConformanceContext } from './store-conformance.js';

const ENTRIES = 60;
const PROCESSES = 4;

/** Several processes leasing and landing on one store at once. */
export function describeConcurrencyCases(context: ConformanceContext): void {
  describe('concurrency from several processes', () => {
    it('finishes every entry exactly once, never with two holders or two entries on a path at once', async () => {
      const { store } = context;
      const random = seededRandom(11);
      const pool = Array.from({ length: 10 }, (_, index) => `lib/part-${index}.ts`);
      const submitted: Array<{ id: string; paths: string[] }> = [];
      for (let index = 0; index < ENTRIES; index += 1) {
        const paths =
          index % 3 === 0
            ? [`solo/${index}.ts`]
            : Array.from(
                { length: 1 + Math.floor(random() * 2) },
                () => pool[Math.floor(random() * pool.length)]!,
              );
        const id = `c${String(index).padStart(3, '0')}`;
        await store.enqueue(entry(id, paths, { priority: Math.floor(random() * 3) }));
        submitted.push({ id, paths });
      }

      const leasedByWorker = await runWorkerProcesses(context.handle.childProcess, PROCESSES);

      const leased = leasedByWorker.flat();
      expect([...leased].sort()).toEqual(submitted.map((item) => item.id).sort());
      expect((await store.listEntries({ states: ['landed'] })).length).toBe(ENTRIES);

      const events = await store.listEvents();
      const paths = new Map(submitted.map((item) => [item.id, new Set(item.paths)]));
      const order = new Map(submitted.map((item, index) => [item.id, index]));
      const holders = new Map<string, string>();
      const runningPaths = new Map<string, string>();
      const landed = new Set<string>();
      const problems: string[] = [];
      for (const event of events) {
        if (event.type === 'entry:leased') {
          if (holders.has(event.entry_id)) problems.push(`${event.entry_id} leased twice at once`);
          holders.set(event.entry_id, event.worker ?? '');
          for (const path of paths.get(event.entry_id) ?? []) {
            const other = runningPaths.get(path);
            if (other !== undefined) problems.push(`${event.entry_id} and ${other} both ran on ${path}`);
            runningPaths.set(path, event.entry_id);
          }
          // Every earlier entry on a common path has landed already.
          for (const [id, index] of order) {
            if (index >= order.get(event.entry_id)! || landed.has(id)) continue;
            if ([...(paths.get(id) ?? [])].some((path) => paths.get(event.entry_id)?.has(path))) {
              problems.push(`${event.entry_id} ran before the earlier ${id} on a common path`);
            }
          }
        } else if (event.type === 'entry:applied' || event.type === 'entry:landed') {
          if (holders.get(event.entry_id) !== event.worker) {
            problems.push(
              `${event.type} of ${event.entry_id} by ${event.worker ?? 'nobody'}, not its holder`,
            );
          }
          if (event.type === 'entry:landed') {
            holders.delete(event.entry_id);
            if (landed.has(event.entry_id)) problems.push(`${event.entry_id} landed twice`);
            landed.add(event.entry_id);
            for (const path of paths.get(event.entry_id) ?? []) runningPaths.delete(path);
          }
        }
      }
      expect(problems).toEqual([]);
      expect(events.filter((event) => event.type === 'entry:leased')).toHaveLength(ENTRIES);
      expect(await replayDifferences(store)).toEqual([]);
    });
  });
}
