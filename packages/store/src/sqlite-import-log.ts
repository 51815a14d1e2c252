import { HyperionError, type QueueEvent } from '@hyperion/schema';
import { storeDatabase } from './assignment-runs.js';
import { rebuildQueueBlockers } from './queue-blockers.js';
import type { SqliteDatabaseStore } from './store.js';
import type { StoredSubmission } from './store-interface.js';

/**
 * Writes an exported log into an empty SQLite store, in one transaction: each submission's change
 * request and entry row exactly as given, and the events verbatim (same ids). Refuses
 * (`invalid_state`) a store that already holds queue entries or events.
 */
export function importLogIntoDatabase(
  store: SqliteDatabaseStore,
  log: { submissions: readonly StoredSubmission[]; events: readonly QueueEvent[] },
): void {
  const database = storeDatabase(store);
  database
    .transaction(() => {
      const existing = database
        .prepare(
          'SELECT (SELECT COUNT(*) FROM queue_entries) + (SELECT COUNT(*) FROM change_queue_logs) AS count',
        )
        .get() as { count: number };
      if (existing.count > 0) {
        throw new HyperionError(
          'invalid_state',
          `${store.path} already holds a queue; import into an empty store`,
          { details: { target: store.path } },
        );
      }
      const insertChange = database.prepare(
        'INSERT INTO change_requests (id, task_id, request_id, agent, patch_hash, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const insertEntry = database.prepare(
        `INSERT INTO queue_entries (id, task_id, request_id, agent, summary, state, priority, attempts, max_attempts,
         lease_expiries, target_branch, paths, patch, patch_hash, base_commit, checks, depends_on, lease_owner,
         lease_expires_at, not_before, last_error, landed_commit, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const { entry, change_request: changeRequest } of log.submissions) {
        insertChange.run(
          entry.id,
          entry.task_id,
          entry.request_id,
          entry.agent,
          entry.patch_hash,
          JSON.stringify(changeRequest),
          entry.created_at,
        );
        insertEntry.run(
          entry.id,
          entry.task_id,
          entry.request_id,
          entry.agent,
          entry.summary,
          entry.state,
          entry.priority,
          entry.attempts,
          entry.max_attempts,
          entry.lease_expiries,
          entry.target_branch,
          JSON.stringify(entry.paths),
          entry.patch,
          entry.patch_hash,
          entry.base_commit,
          JSON.stringify(entry.checks),
          JSON.stringify(entry.depends_on),
          entry.lease_owner,
          entry.lease_expires_at,
          entry.not_before,
          entry.last_error,
          entry.landed_commit,
          entry.created_at,
          entry.updated_at,
        );
      }
      const insertEvent = database.prepare(
        'INSERT INTO change_queue_logs (id, entry_id, type, from_state, to_state, worker, at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const event of log.events) {
        insertEvent.run(
          event.id,
          event.entry_id,
          event.type,
          event.from_state,
          event.to_state,
          event.worker,
          event.at,
          JSON.stringify(event.data),
        );
      }
      // The rows were written without the store's transitions: count what keeps each entry waiting.
      rebuildQueueBlockers(database);
    })
    .immediate();
}

/** Every submission with its change request, in submission order. */
export function listSubmissionsOf(store: SqliteDatabaseStore): StoredSubmission[] {
  // One (deferred, read) transaction: every entry read comes with its change request.
  return storeDatabase(store).transaction(() =>
    store
      .listEntries({ order: 'submission' })
      .map((entry) => ({ entry, change_request: store.getChangeRequest(entry.id) ?? null })),
  )();
}
