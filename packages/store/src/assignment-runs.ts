import type Database from 'better-sqlite3';
import { HyperionError } from '@hyperion/schema';
import type { SqliteDatabaseStore } from './store.js';

/** The agent role a run played (`developer` and `resolver` runs belong to an assignment). */
export type AgentRunRole = 'engineer' | 'orchestrator' | 'developer' | 'resolver';

/** One agent run of a request, with what it consumed. */
export interface AssignmentRun {
  /** Row id, increasing. */
  id: number;
  /** The request the run belongs to. */
  request_id: string;
  /** The assignment, for developer runs. */
  task_id: string | null;
  /** The part the agent played. */
  role: AgentRunRole;
  /** 1 for the first run of an assignment, 2+ for re-dispatches after a conflict. */
  attempt: number;
  /** The harness id. */
  harness: string;
  /** How the run ended as the controller judged it (`ok`, `failed`, `budget-exceeded`, `checks-failed`…). */
  status: string;
  /** Tokens sent to the model, when reported. */
  input_tokens: number | null;
  /** Tokens the model produced, when reported. */
  output_tokens: number | null;
  /** Cost in US dollars, when reported. */
  cost_usd: number | null;
  /** Credits, when reported. */
  credits: number | null;
  /** Wall-clock duration of the run. */
  duration_ms: number;
  /** The change request submitted from the run, when one was. */
  change_id: string | null;
  /** Why the run failed, when it did. */
  error: string | null;
  /** Extra details (fallbacks, repairs, check output…). */
  data: Record<string, unknown>;
  /** ISO 8601. */
  at: string;
}

/** What `recordAssignmentRun` of a store needs. */
export type NewAssignmentRun = Omit<AssignmentRun, 'id' | 'at' | 'attempt' | 'data'> & {
  attempt?: number;
  data?: Record<string, unknown>;
};

/** Usage summed over several runs. */
export interface UsageTotals {
  /** Input tokens over the runs counted. */
  input_tokens: number;
  /** Of the input tokens, those the model served from its prompt cache (`data.cached_input_tokens`). */
  cached_input_tokens: number;
  /** Output tokens over the runs counted. */
  output_tokens: number;
  /** Cost in US dollars, as the harnesses reported it. */
  cost_usd: number;
  /** Credits (premium requests), as the harnesses reported them. */
  credits: number;
  /** Wall time of the runs, in milliseconds. */
  duration_ms: number;
  /** Runs counted. */
  runs: number;
  /** Runs whose harness reported no usage numbers. */
  unreported: number;
}

interface AssignmentRunRow extends Omit<AssignmentRun, 'data'> {
  data: string;
}

/**
 * The store's connection. The assignment-run tables live in their own file so the store class
 * stays small; they share its connection so a run can be recorded in the same transaction as the
 * request, its assignments and their queue entries.
 */
export function storeDatabase(store: SqliteDatabaseStore): Database.Database {
  const database = (store as unknown as { database?: Database.Database }).database;
  if (database === undefined) {
    throw new HyperionError('internal', 'the store has no database connection');
  }
  return database;
}

/** Records one agent run; returns its row id. */
export function recordAssignmentRun(store: SqliteDatabaseStore, run: NewAssignmentRun): number {
  const result = storeDatabase(store)
    .prepare(
      `INSERT INTO assignment_runs (request_id, task_id, role, attempt, harness, status, input_tokens,
        output_tokens, cost_usd, credits, duration_ms, change_id, error, data, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
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
      new Date(store.now()).toISOString(),
    );
  return Number(result.lastInsertRowid);
}

/** The runs of a request, or of one assignment, oldest first. */
export function listAssignmentRuns(
  store: SqliteDatabaseStore,
  filter: { requestId?: string; taskId?: string },
): AssignmentRun[] {
  const conditions: string[] = [];
  const values: string[] = [];
  if (filter.requestId !== undefined) {
    conditions.push('request_id = ?');
    values.push(filter.requestId);
  }
  if (filter.taskId !== undefined) {
    conditions.push('task_id = ?');
    values.push(filter.taskId);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const rows = storeDatabase(store)
    .prepare(`SELECT * FROM assignment_runs ${where} ORDER BY id`)
    .all(...values) as AssignmentRunRow[];
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
}

/** Sums the usage of `runs`; numbers a harness did not report count as zero and as `unreported`. */
export function sumUsage(runs: readonly AssignmentRun[]): UsageTotals {
  const totals: UsageTotals = {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    credits: 0,
    duration_ms: 0,
    runs: runs.length,
    unreported: 0,
  };
  for (const run of runs) {
    totals.input_tokens += run.input_tokens ?? 0;
    totals.cached_input_tokens += cachedInputTokens(run) ?? 0;
    totals.output_tokens += run.output_tokens ?? 0;
    totals.cost_usd += run.cost_usd ?? 0;
    totals.credits += run.credits ?? 0;
    totals.duration_ms += run.duration_ms;
    if (run.input_tokens === null && run.output_tokens === null && run.cost_usd === null) {
      totals.unreported += 1;
    }
  }
  return totals;
}

/** The cached input tokens a run reported (kept in its `data`), or null when it reported none. */
export function cachedInputTokens(run: Pick<AssignmentRun, 'data'>): number | null {
  const value = run.data['cached_input_tokens'];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}
