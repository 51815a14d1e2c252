import type { QueueEntry, QueueEvent } from '@hyperion/schema';
import { eventTime } from './event-fields.js';
import type { DashboardWorker } from './model.js';

/**
 * Workers from the leases of running entries and the `worker` of recent events. A worker holding
 * a lease is busy (stalled once the lease expired); one only seen in events is idle. Its step is
 * its latest event on the entry it holds; its heartbeat age is how long ago it last renewed the
 * lease, known when `leaseMs` (the configured lease length) is given.
 */
export function deriveWorkers(
  runningEntries: readonly QueueEntry[],
  recentEvents: readonly QueueEvent[],
  now: number,
  leaseMs?: number,
): DashboardWorker[] {
  const workers = new Map<string, DashboardWorker>();
  const steps = new Map<string, string>();
  for (const event of recentEvents) {
    if (event.worker === null) continue;
    const time = eventTime(event);
    steps.set(`${event.worker}\u0000${event.entry_id}`, event.type);
    workers.set(event.worker, {
      name: event.worker,
      status: 'idle',
      currentEntryId: null,
      currentSummary: null,
      lastEventType: event.type,
      idleMs: Number.isNaN(time) ? null : Math.max(0, now - time),
      step: null,
      leaseExpiresInMs: null,
      heartbeatAgeMs: null,
    });
  }
  for (const entry of runningEntries) {
    if (entry.state !== 'running' || entry.lease_owner === null) continue;
    const known = workers.get(entry.lease_owner);
    const expiresAt = entry.lease_expires_at;
    const expired = expiresAt !== null && expiresAt < now;
    workers.set(entry.lease_owner, {
      name: entry.lease_owner,
      status: expired ? 'stalled' : 'busy',
      currentEntryId: entry.id,
      currentSummary: entry.summary,
      lastEventType: known?.lastEventType ?? null,
      idleMs: known?.idleMs ?? null,
      step: steps.get(`${entry.lease_owner}\u0000${entry.id}`) ?? 'entry:leased',
      leaseExpiresInMs: expiresAt === null ? null : expiresAt - now,
      heartbeatAgeMs:
        expiresAt === null || leaseMs === undefined ? null : Math.max(0, now - (expiresAt - leaseMs)),
    });
  }
  return [...workers.values()].sort((left, right) => left.name.localeCompare(right.name));
}
