import { isTerminalQueueState, type QueueState } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';
import type { DashboardRequest, RequestOutcomes } from './model.js';

const FAILED_STATES: readonly QueueState[] = ['quarantined', 'conflicted', 'rejected'];

/** The newest `limit` requests with their assignment counts and entry outcomes. */
export async function readRequests(store: StoreReadModel, limit: number): Promise<DashboardRequest[]> {
  const requests: DashboardRequest[] = [];
  for (const request of await store.listRequests(limit)) {
    const assignments = await store.listAssignments(request.id);
    const entries = await store.listEntries({ requestId: request.id });
    requests.push({
      id: request.id,
      summary: request.summary,
      status: request.status,
      error: request.error,
      assignments: assignments.length,
      outcomes: countOutcomes(entries.map((entry) => entry.state)),
      createdAt: request.created_at,
    });
  }
  return requests;
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
