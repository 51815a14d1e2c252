import type { StoreReadModel } from '@hyperion/store';
import { isTerminalQueueState, QUEUE_STATES, type QueueEntry, type QueueEvent } from '@hyperion/schema';
import type { DashboardEntry } from './model.js';

const ACTIVE_STATES = QUEUE_STATES.filter((state) => !isTerminalQueueState(state));

/** The non-terminal entries in queue order (priority, then submission). */
export function readActiveEntries(store: StoreReadModel): Promise<QueueEntry[]> {
  return store.listEntries({ states: ACTIVE_STATES });
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
