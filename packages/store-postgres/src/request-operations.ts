import { HyperionError } from '@hyperion/schema';
import type {
  AssignmentRecord,
  AssignmentRun,
  AssignmentStatus,
  NewAssignmentRun,
  RequestRecord,
  RequestStatus,
} from '@hyperion/store';
import type { Session } from './session.js';

type WithBody<T> = Omit<T, 'body'> & { body: string };

function withParsedBody<T extends { body: unknown }>(row: WithBody<T> & { sequence?: unknown }): T {
  const { sequence: _sequence, ...rest } = row;
  return { ...rest, body: JSON.parse(row.body) as unknown } as unknown as T;
}

/** True when `error` is PostgreSQL's unique violation. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Stores a new request; `duplicate` when the id exists. */
export async function insertRequest(
  session: Session,
  timestamp: string,
  record: { id: string; summary: string; status: RequestStatus; body: unknown },
): Promise<void> {
  await session.beforeStatementWrite();
  try {
    await session.query(
      'INSERT INTO requests (id, summary, status, error, body, created_at, updated_at) VALUES ($1, $2, $3, NULL, $4, $5, $5)',
      [record.id, record.summary, record.status, JSON.stringify(record.body), timestamp],
    );
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new HyperionError('duplicate', `request '${record.id}' was already submitted`, {
        details: { requestId: record.id },
      });
    }
    throw error;
  }
}

/** Forgets a failed request with no queue entries (and its assignments). */
export async function removeFailedRequest(session: Session, id: string): Promise<void> {
  await session.atomically(async (transaction) => {
    await transaction.beforeWrite(false);
    const request = await getRequest(transaction, id, true);
    if (request === undefined) return;
    const [entries] = await transaction.query<{ count: number }>(
      'SELECT count(*) AS count FROM queue_entries WHERE request_id = $1',
      [id],
    );
    if (request.status !== 'failed' || (entries?.count ?? 0) > 0) {
      throw new HyperionError(
        'invalid_state',
        `request '${id}' is ${request.status} and cannot be replaced`,
        {
          details: { id, status: request.status },
        },
      );
    }
    await transaction.query('DELETE FROM assignments WHERE request_id = $1', [id]);
    await transaction.query('DELETE FROM requests WHERE id = $1', [id]);
  });
}

/** Sets a request's status and error. */
export async function updateRequest(
  session: Session,
  timestamp: string,
  id: string,
  status: RequestStatus,
  error: string | null,
): Promise<void> {
  await session.beforeStatementWrite();
  await session.query('UPDATE requests SET status = $1, error = $2, updated_at = $3 WHERE id = $4', [
    status,
    error,
    timestamp,
    id,
  ]);
}

/** One request, or undefined. */
export async function getRequest(
  session: Session,
  id: string,
  forUpdate = false,
): Promise<RequestRecord | undefined> {
  const [row] = await session.query<WithBody<RequestRecord>>(
    `SELECT * FROM requests WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return row === undefined ? undefined : withParsedBody<RequestRecord>(row);
}

/** The newest requests first. */
export async function listRequests(session: Session, limit: number): Promise<RequestRecord[]> {
  const rows = await session.query<WithBody<RequestRecord>>(
    'SELECT * FROM requests ORDER BY created_at DESC, sequence DESC LIMIT $1',
    [limit],
  );
  return rows.map((row) => withParsedBody<RequestRecord>(row));
}

/** Stores a new assignment. */
export async function insertAssignment(
  session: Session,
  timestamp: string,
  record: { task_id: string; request_id: string; summary: string; status: AssignmentStatus; body: unknown },
): Promise<void> {
  await session.beforeStatementWrite();
  await session.query(
    `INSERT INTO assignments (task_id, request_id, summary, status, error, body, created_at, updated_at)
     VALUES ($1, $2, $3, $4, NULL, $5, $6, $6)`,
    [
      record.task_id,
      record.request_id,
      record.summary,
      record.status,
      JSON.stringify(record.body),
      timestamp,
    ],
  );
}

/** Sets an assignment's status and error. */
export async function updateAssignment(
  session: Session,
  timestamp: string,
  taskId: string,
  status: AssignmentStatus,
  error: string | null,
): Promise<void> {
  await session.beforeStatementWrite();
  await session.query('UPDATE assignments SET status = $1, error = $2, updated_at = $3 WHERE task_id = $4', [
    status,
    error,
    timestamp,
    taskId,
  ]);
}

/** The assignments of a request, in creation order. */
export async function listAssignments(session: Session, requestId: string): Promise<AssignmentRecord[]> {
  const rows = await session.query<WithBody<AssignmentRecord>>(
    'SELECT * FROM assignments WHERE request_id = $1 ORDER BY sequence',
    [requestId],
  );
  return rows.map((row) => withParsedBody<AssignmentRecord>(row));
}

/** Records one agent run; returns its id. */
export async function recordAssignmentRun(
  session: Session,
  timestamp: string,
  run: NewAssignmentRun,
): Promise<number> {
  await session.beforeStatementWrite();
  const [row] = await session.query<{ id: number }>(
    `INSERT INTO assignment_runs (request_id, task_id, role, attempt, harness, status, input_tokens,
       output_tokens, cost_usd, credits, duration_ms, change_id, error, data, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
    [
      run.request_id,
      run.task_id,
      run.role,
      run.attempt ?? 1,
      run.harness,
      run.status,
      run.input_tokens,
      run.output_tokens,
      run.cost_usd,
      run.credits,
      Math.round(run.duration_ms),
      run.change_id,
      run.error,
      JSON.stringify(run.data ?? {}),
      timestamp,
    ],
  );
  return row!.id;
}

/** The runs of a request, or of one assignment, oldest first. */
export async function listAssignmentRuns(
  session: Session,
  filter: { requestId?: string; taskId?: string },
): Promise<AssignmentRun[]> {
  const conditions: string[] = [];
  const values: string[] = [];
  if (filter.requestId !== undefined) {
    values.push(filter.requestId);
    conditions.push(`request_id = $${values.length}`);
  }
  if (filter.taskId !== undefined) {
    values.push(filter.taskId);
    conditions.push(`task_id = $${values.length}`);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const rows = await session.query<Omit<AssignmentRun, 'data'> & { data: string }>(
    `SELECT * FROM assignment_runs ${where} ORDER BY id`,
    values,
  );
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
}
