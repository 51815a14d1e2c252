import type { PruneOptions, PruneResult } from './store-interface.js';
import { PRUNABLE_STATES } from './store-interface.js';
import { storeDatabase } from './assignment-runs.js';
import type { SqliteDatabaseStore } from './store.js';

/**
 * The SQLite side of `HyperionStore.pruneFinished`: in one immediate transaction, empties the
 * patch and the change request body of finished entries last changed before the cut-off (and,
 * with `deleteEntries`, deletes those entries, their events and their index rows, keeping only
 * the emptied change request so that a resubmission is still recognized as a duplicate).
 */
export function pruneFinishedInDatabase(store: SqliteDatabaseStore, options: PruneOptions): PruneResult {
  const database = storeDatabase(store);
  const cutoff = new Date(options.finishedBefore).toISOString();
  const states = PRUNABLE_STATES.map(() => '?').join(', ');
  return database
    .transaction((): PruneResult => {
      // An entry that an unfinished one is stacked on stays whole: its dependant still reads it.
      const ids = (
        database
          .prepare(
            `SELECT id FROM queue_entries e WHERE state IN (${states}) AND updated_at < ?
               AND (? = 1 OR patch <> '')
               AND NOT EXISTS (
                 SELECT 1 FROM queue_entry_dependencies d JOIN queue_entries o ON o.id = d.entry_id
                 WHERE d.depends_on = e.id AND o.state NOT IN (${states}))
             ORDER BY sequence`,
          )
          .all(
            ...PRUNABLE_STATES,
            cutoff,
            options.deleteEntries === true ? 1 : 0,
            ...PRUNABLE_STATES,
          ) as Array<{
          id: string;
        }>
      ).map((row) => row.id);
      let events = 0;
      const emptyPatch = database.prepare("UPDATE queue_entries SET patch = '' WHERE id = ?");
      const emptyBody = database.prepare("UPDATE change_requests SET body = 'null' WHERE id = ?");
      for (const id of ids) {
        emptyPatch.run(id);
        emptyBody.run(id);
      }
      if (options.deleteEntries === true) {
        const statements = [
          'DELETE FROM queue_entry_paths WHERE entry_id = ?',
          'DELETE FROM queue_running_paths WHERE entry_id = ?',
          'DELETE FROM queue_entry_dependencies WHERE entry_id = ? OR depends_on = ?',
          'DELETE FROM queue_entries WHERE id = ?',
        ].map((sql) => database.prepare(sql));
        const deleteEvents = database.prepare('DELETE FROM change_queue_logs WHERE entry_id = ?');
        for (const id of ids) {
          events += deleteEvents.run(id).changes;
          for (const statement of statements) {
            if (statement.source.includes('depends_on')) statement.run(id, id);
            else statement.run(id);
          }
        }
      }
      return { entries: ids, events };
    })
    .immediate();
}
