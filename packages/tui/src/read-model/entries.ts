import type { StoreReadModel } from '@hyperion/store';
import { isTerminalQueueState, type QueueEntry, type QueueEvent, type QueueState } from '@hyperion/schema';
import type { DashboardEntry } from './model.js';

/** The order the queue pane lists active entries in: what needs a person first. */
export const ACTIVE_STATE_ORDER: readonly QueueState[] = ['awaiting_approval', 'running', 'queued'];

/**
 * A page of the non-terminal entries: awaiting approval first, then running, then queued, each in
 * queue order (priority, then submission) and each limited to `pageSize`, so a queue of 10,000
 * entries costs three short indexed reads, not a read of every row and patch.
 */
export async function readActiveEntries(store: StoreReadModel, pageSize: number): Promise<QueueEntry[]> {
  const pages = await Promise.all(
    ACTIVE_STATE_ORDER.map((state) => store.listEntries({ states: [state], limit: pageSize })),
  );
  return pages.flat();
}

/**
 * The entries that most recently reached a terminal state, newest first, found from the event
 * log so that no full table scan is needed however long the history is.
 */
export async function readRecentTerminalEntries(
  store: StoreReadModel,
  events: readonly QueueEvent[],
  limit: number,
): Promise<QueueEntry[]> {
  const seen = new Set<string>();
  const entries: QueueEntry[] = [];
  for (let index = events.length - 1; index >= 0 && entries.length < limit; index -= 1) {
    const event = events[index];
    if (event?.to_state == null || !isTerminalQueueState(event.to_state)) continue;
    if (seen.has(event.entry_id)) continue;
    seen.add(event.entry_id);
    const entry = await store.getEntry(event.entry_id);
    if (entry !== undefined && isTerminalQueueState(entry.state)) entries.push(entry);
  }
  return entries;
}

/** The dashboard's view of one entry. */
export function toDashboardEntry(entry: QueueEntry, now: number): DashboardEntry {
  const updated = Date.parse(entry.updated_at);
  return {
    id: entry.id,
    taskId: entry.task_id,
    requestId: entry.request_id,
    summary: entry.summary,
    state: entry.state,
    attempts: entry.attempts,
    maxAttempts: entry.max_attempts,
    leaseOwner: entry.lease_owner,
    lastError: entry.last_error,
    ageMs: Number.isNaN(updated) ? 0 : Math.max(0, now - updated),
  };
}
