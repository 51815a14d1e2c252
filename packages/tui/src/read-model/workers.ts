import type { QueueEntry, QueueEvent } from '@hyperion/schema';
import { eventTime } from './event-fields.js';
import type { DashboardWorker } from './model.js';

/**
 * Workers from the leases of running entries and the `worker` of recent events. A worker holding
 * a lease is busy (stalled once the lease expired); one only seen in events is idle.
 */
export function deriveWorkers(
  runningEntries: readonly QueueEntry[],
  recentEvents: readonly QueueEvent[],
  now: number,
): DashboardWorker[] {
  const workers = new Map<string, DashboardWorker>();
  for (const event of recentEvents) {
    if (event.worker === null) continue;
    const time = eventTime(event);
    workers.set(event.worker, {
      name: event.worker,
      status: 'idle',
      currentEntryId: null,
      currentSummary: null,
      lastEventType: event.type,
      idleMs: Number.isNaN(time) ? null : Math.max(0, now - time),
    });
  }
  for (const entry of runningEntries) {
    if (entry.state !== 'running' || entry.lease_owner === null) continue;
    const known = workers.get(entry.lease_owner);
    const expired = entry.lease_expires_at !== null && entry.lease_expires_at < now;
    workers.set(entry.lease_owner, {
      name: entry.lease_owner,
      status: expired ? 'stalled' : 'busy',
      currentEntryId: entry.id,
      currentSummary: entry.summary,
      lastEventType: known?.lastEventType ?? null,
      idleMs: known?.idleMs ?? null,
    });
  }
  return [...workers.values()].sort((left, right) => left.name.localeCompare(right.name));
}
