import { isTerminalQueueState, type QueueState } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';
import type { DashboardRequest, RequestOutcomes } from './model.js';

const FAILED_STATES: readonly QueueState[] = ['quarantined', 'conflicted', 'rejected'];

/** The newest `limit` requests with their assignment counts and entry outcomes. */
export function readRequests(store: HyperionStore, limit: number): DashboardRequest[] {
  return store.listRequests(limit).map((request) => ({
    id: request.id,
    summary: request.summary,
    status: request.status,
    error: request.error,
    assignments: store.listAssignments(request.id).length,
    outcomes: countOutcomes(store.listEntries({ requestId: request.id }).map((entry) => entry.state)),
    createdAt: request.created_at,
  }));
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
