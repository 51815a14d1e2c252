import type { QueueState } from '@hyperion/schema';
import { cachedInputTokens, sumUsage, type AssignmentRun, type UsageTotals } from './assignment-runs.js';
import type { AssignmentStatus, RequestStatus } from './records.js';
import type { StoreReadModel } from './store-interface.js';

/** One agent run in the history: the stored run with its raw cached-input token count. */
export type RunHistory = AssignmentRun & {
  /** Of the input tokens, those served from the model's prompt cache; null when not reported. */
  cached_input_tokens: number | null;
};

/**
 * Where an assignment ended up: `failed` (its developer failed, or it was not enqueued: `reason`
 * says why), or the state of its latest queue entry (`landed`, `queued`, `quarantined`…), or
 * `planned` while nothing was enqueued yet.
 */
export type AssignmentOutcome = 'failed' | 'planned' | QueueState;

/** One assignment of a request in the history, with its runs' usage and its queue entries. */
export interface AssignmentHistory {
  /** The assignment's task id. */
  task_id: string;
  /** What the assignment does. */
  summary: string;
  /** Where the assignment stands. */
  status: AssignmentStatus;
  /** Why it failed, when it did. */
  error: string | null;
  /** The files the assignment owns. */
  files: string[];
  /** Its check commands. */
  checks: string[];
  /** Usage summed over every run of the assignment (re-dispatches included). */
  usage: UsageTotals;
  /** Its agent runs, oldest first. */
  runs: RunHistory[];
  /** Where it ended up (see {@link AssignmentOutcome}). */
  outcome: AssignmentOutcome;
  /** Why it did not land, when it did not (the assignment's error or its entry's last error). */
  reason: string | null;
  /** The queue entries made from it, oldest first. */
  entries: Array<{ id: string; state: QueueState; landed_commit: string | null; last_error: string | null }>;
}

/** One request in the history: status, assignments (with usage) and the queue outcome. */
export interface RequestHistoryItem {
  /** The request's id. */
  id: string;
  /** What was asked. */
  summary: string;
  /** Where the request stands. */
  status: RequestStatus;
  /** Why it failed, when it did. */
  error: string | null;
  /** When it was received (ISO 8601). */
  created_at: string;
  /** When it last changed (ISO 8601). */
  updated_at: string;
  /** Classification, risk and fallbacks the engineer recorded, when it did. */
  scope: Record<string, unknown> | null;
  /** Its assignments, in creation order. */
  assignments: AssignmentHistory[];
  /** Engineer and orchestrator runs (not tied to one assignment). */
  planning_runs: RunHistory[];
  /** The budget over all its agent runs, when it had one (`max_tokens`, `max_credits`, `timeout_ms`). */
  budget: Record<string, unknown> | null;
  /** Its policy for failed developers, when the request set one. */
  on_partial_failure: string | null;
  /** Usage of every run of the request. */
  usage: UsageTotals;
  /** Queue entries per state. */
  outcome: Partial<Record<QueueState, number>>;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * The last `limit` requests, newest first, each with its assignments, their usage and queue
 * entries, and the queue outcome: what `hyperion requests` and the TUI's history pane show.
 */
export async function requestHistory(store: StoreReadModel, limit = 100): Promise<RequestHistoryItem[]> {
  const history: RequestHistoryItem[] = [];
  for (const request of await store.listRequests(limit)) {
    const runs = await store.listAssignmentRuns({ requestId: request.id });
    const entries = await store.listEntries({ requestId: request.id });
    const assignments = await store.listAssignments(request.id);
    const outcome: Partial<Record<QueueState, number>> = {};
    for (const entry of entries) outcome[entry.state] = (outcome[entry.state] ?? 0) + 1;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const scope = body['scope'];
    const budget = body['budget'];
    const policy = body['on_partial_failure'];
    history.push({
      id: request.id,
      summary: request.summary,
      status: request.status,
      error: request.error,
      created_at: request.created_at,
      updated_at: request.updated_at,
      scope: typeof scope === 'object' && scope !== null ? (scope as Record<string, unknown>) : null,
      assignments: assignments.map((assignment) => {
        const assignmentBody = (assignment.body ?? {}) as Record<string, unknown>;
        const assignmentRuns = runs.filter((run) => run.task_id === assignment.task_id);
        const latest = entries.filter((entry) => entry.task_id === assignment.task_id).at(-1);
        const outcome: AssignmentOutcome =
          assignment.status === 'failed' ? 'failed' : (latest?.state ?? 'planned');
        return {
          task_id: assignment.task_id,
          summary: assignment.summary,
          status: assignment.status,
          error: assignment.error,
          files: stringList(assignmentBody['file_targets']),
          checks: stringList(assignmentBody['checks']),
          usage: sumUsage(assignmentRuns),
          runs: assignmentRuns.map(withCachedTokens),
          outcome,
          reason: outcome === 'landed' ? null : (assignment.error ?? latest?.last_error ?? null),
          entries: entries
            .filter((entry) => entry.task_id === assignment.task_id)
            .map((entry) => ({
              id: entry.id,
              state: entry.state,
              landed_commit: entry.landed_commit,
              last_error: entry.last_error,
            })),
        };
      }),
      planning_runs: runs.filter((run) => run.task_id === null).map(withCachedTokens),
      budget: typeof budget === 'object' && budget !== null ? (budget as Record<string, unknown>) : null,
      on_partial_failure: typeof policy === 'string' ? policy : null,
      usage: sumUsage(runs),
      outcome,
    });
  }
  return history;
}

function withCachedTokens(run: AssignmentRun): RunHistory {
  return { ...run, cached_input_tokens: cachedInputTokens(run) };
}
