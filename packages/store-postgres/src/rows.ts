import {
  parseWithSchema,
  QueueEntrySchema,
  QueueEventSchema,
  type QueueEntry,
  type QueueEvent,
} from '@hyperion/schema';

/** A raw `queue_entries` row (BIGINT columns arrive as numbers: the pool parses them). */
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
  blockers: number;
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

/** Turns a row into a validated {@link QueueEntry}. */
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

/** Turns a row into a validated {@link QueueEvent}. */
export function eventFromRow(row: QueueEventRow): QueueEvent {
  return parseWithSchema(
    QueueEventSchema,
    { ...row, data: JSON.parse(row.data) as unknown },
    `queue event ${row.id}`,
  );
}
