import { PRUNABLE_STATES, type PruneOptions, type PruneResult } from '@hyperion/store';
import type { TransactionSession } from './session.js';

/**
 * The PostgreSQL side of `HyperionStore.pruneFinished`, in the caller's transaction (under the
 * queue-structure lock, like every change of which entries exist): empties the patch and change
 * request body of finished entries last changed before the cut-off; with `deleteEntries`, deletes
 * those entries (their path and dependency rows go with them) and their events, keeping the emptied
 * change request so that a resubmission is still recognized as a duplicate.
 */
export async function pruneFinishedEntries(
  session: TransactionSession,
  options: PruneOptions,
): Promise<PruneResult> {
  await session.lockQueueStructure();
  const cutoff = new Date(options.finishedBefore).toISOString();
  const states = [...PRUNABLE_STATES];
  const rows = await session.query<{ id: string }>(
    `SELECT e.id FROM queue_entries e WHERE e.state = ANY($1) AND e.updated_at < $2
       AND ($3 OR e.patch <> '')
       AND NOT EXISTS (
         SELECT 1 FROM queue_entry_dependencies d JOIN queue_entries o ON o.sequence = d.sequence
         WHERE d.depends_on = e.id AND NOT (o.state = ANY($1)))
     ORDER BY e.sequence`,
    [states, cutoff, options.deleteEntries === true],
  );
  const ids = rows.map((row) => row.id);
  if (ids.length === 0) return { entries: [], events: 0 };
  await session.query("UPDATE queue_entries SET patch = '' WHERE id = ANY($1)", [ids]);
  await session.query("UPDATE change_requests SET body = 'null' WHERE id = ANY($1)", [ids]);
  let events = 0;
  if (options.deleteEntries === true) {
    const deleted = await session.query<{ count: number }>(
      'WITH gone AS (DELETE FROM change_queue_logs WHERE entry_id = ANY($1) RETURNING 1) SELECT count(*) AS count FROM gone',
      [ids],
    );
    events = deleted[0]?.count ?? 0;
    await session.query('DELETE FROM queue_entry_dependencies WHERE depends_on = ANY($1)', [ids]);
    await session.query('DELETE FROM queue_entries WHERE id = ANY($1)', [ids]);
  }
  await session.notifyChange();
  return { entries: ids, events };
}
