import {
  QueueEntrySchema,
  QueueEventSchema,
  type QueueEntry,
  type QueueEvent,
  parseWithSchema,
} from '@hyperion/schema';

/** A raw `queue_entries` row. */
export interface QueueEntryRow {
  sequence: number;
  id: string;
  task_id: string;
  request_id: string | null;
  agent: string;
  summary: string;
  state: string;
  priority: number;
  attempts: number;
  max_attempts: number;
  lease_expiries: number;
  depends_on: string;
  target_branch: string;
  paths: string;
  patch: string;
  patch_hash: string;
  base_commit: string | null;
  checks: string;
  lease_owner: string | null;
  lease_expires_at: number | null;
  not_before: number | null;
  last_error: string | null;
  landed_commit: string | null;
  /** Files and dependencies that keep the entry from running (migration 5; see `queue-blockers.ts`). */
  blockers?: number;
  created_at: string;
  updated_at: string;
}

/** A raw `change_queue_logs` row. */
export interface QueueEventRow {
  id: number;
  entry_id: string;
  type: string;
  from_state: string | null;
  to_state: string | null;
  worker: string | null;
  at: string;
  data: string;
}

/** Turns a row read back from SQLite into a validated {@link QueueEntry}. */
export function entryFromRow(row: QueueEntryRow): QueueEntry {
  const { sequence: _sequence, blockers: _blockers, ...rest } = row;
  return parseWithSchema(
    QueueEntrySchema,
    {
      ...rest,
      paths: JSON.parse(row.paths) as unknown,
      checks: JSON.parse(row.checks) as unknown,
      depends_on: JSON.parse(row.depends_on) as unknown,
    },
    `queue entry ${row.id}`,
  );
}

/**
 * The entry a transition leaves: `row` as it was read inside the same transaction, with the
 * columns the transition wrote (`written`) in place. Not validated again: the row was valid when
 * written and `written` was checked before the update.
 */
export function entryFromWrittenRow(row: QueueEntryRow, written: Partial<QueueEntry>): QueueEntry {
  return {
    id: row.id,
    task_id: row.task_id,
    request_id: row.request_id,
    agent: row.agent,
    summary: row.summary,
    state: row.state as QueueEntry['state'],
    priority: row.priority,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    lease_expiries: row.lease_expiries,
    depends_on: JSON.parse(row.depends_on) as string[],
    target_branch: row.target_branch,
    paths: JSON.parse(row.paths) as string[],
    patch: row.patch,
    patch_hash: row.patch_hash,
    base_commit: row.base_commit as QueueEntry['base_commit'],
    checks: JSON.parse(row.checks) as string[],
    lease_owner: row.lease_owner,
    lease_expires_at: row.lease_expires_at,
    not_before: row.not_before,
    last_error: row.last_error,
    landed_commit: row.landed_commit as QueueEntry['landed_commit'],
    created_at: row.created_at,
    updated_at: row.updated_at,
    ...written,
  };
}

/** Turns a row read back from SQLite into a validated {@link QueueEvent}. */
export function eventFromRow(row: QueueEventRow): QueueEvent {
  return parseWithSchema(
    QueueEventSchema,
    { ...row, data: JSON.parse(row.data) as unknown },
    `queue event ${row.id}`,
  );
}
