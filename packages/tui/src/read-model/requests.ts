import { isTerminalQueueState, type QueueState } from '@hyperion/schema';
import type { AssignmentRecord, RequestRecord, StoreReadModel } from '@hyperion/store';
import type { DashboardRequest, RequestOutcomes } from './model.js';

const FAILED_STATES: readonly QueueState[] = ['quarantined', 'conflicted', 'rejected'];

/** One request as read, with what the agents pane needs besides the row shown. */
export interface RequestReading {
  /** The stored request. */
  record: RequestRecord;
  /** Its assignments in creation order. */
  assignments: AssignmentRecord[];
  /** The state of each of its entries, by task id (the latest entry of a task wins). */
  entryStates: Map<string, QueueState>;
  /** The row the task-history pane shows. */
  row: DashboardRequest;
}

/** The newest `limit` requests with their assignments and entry outcomes. */
export async function readRequests(store: StoreReadModel, limit: number): Promise<RequestReading[]> {
  const readings: RequestReading[] = [];
  for (const request of await store.listRequests(limit)) {
    const assignments = await store.listAssignments(request.id);
    const entries = await store.listEntries({ requestId: request.id, order: 'submission' });
    const entryStates = new Map<string, QueueState>();
    for (const entry of entries) entryStates.set(entry.task_id, entry.state);
    readings.push({
      record: request,
      assignments,
      entryStates,
      row: {
        id: request.id,
        summary: request.summary,
        status: request.status,
        error: request.error,
        assignments: assignments.length,
        outcomes: countOutcomes(entries.map((entry) => entry.state)),
        createdAt: request.created_at,
      },
    });
  }
  return readings;
}

/** Groups entry states into landed, pending, failed and other. */
export function countOutcomes(states: readonly QueueState[]): RequestOutcomes {
  const outcomes: RequestOutcomes = { landed: 0, pending: 0, failed: 0, other: 0 };
  for (const state of states) {
    if (state === 'landed') outcomes.landed += 1;
    else if (!isTerminalQueueState(state)) outcomes.pending += 1;
    else if (FAILED_STATES.includes(state)) outcomes.failed += 1;
    else outcomes.other += 1;
  }
  return outcomes;
}
