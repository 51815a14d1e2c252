import type { QueueEntry, QueueEvent, QueueState } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';
import { eventText } from './event-fields.js';
import type { DashboardAlert } from './model.js';

/** The states that make an entry an alert for as long as it stays in them. */
const ALERT_STATES: ReadonlySet<QueueState> = new Set(['quarantined', 'conflicted']);

function leaseAlerts(activeEntries: readonly QueueEntry[], now: number): DashboardAlert[] {
  const alerts: DashboardAlert[] = [];
  for (const entry of activeEntries) {
    if (entry.state !== 'running' || entry.lease_expires_at === null || entry.lease_expires_at >= now)
      continue;
    alerts.push({
      severity: 'warning',
      entryId: entry.id,
      state: entry.state,
      message: `lease of ${entry.lease_owner ?? 'unknown worker'} expired ${Math.round((now - entry.lease_expires_at) / 1000)}s ago`,
      at: new Date(entry.lease_expires_at).toISOString(),
    });
  }
  return alerts;
}

/**
 * Alerts, newest first: running entries whose lease expired, then every entry that is quarantined
 * or conflicted now, with its reason (at most `limit`, found from the newest end of the log). An
 * entry that failed a check and then landed — a speculative run on a failing predecessor, a flake
 * that passed on a re-run — is not an alert: only the state an entry is in counts.
 */
export async function deriveAlerts(
  store: Pick<StoreReadModel, 'getEntry'>,
  activeEntries: readonly QueueEntry[],
  events: readonly QueueEvent[],
  now: number,
  limit = 50,
): Promise<DashboardAlert[]> {
  const alerts = leaseAlerts(activeEntries, now);
  const seen = new Set<string>();
  for (let index = events.length - 1; index >= 0 && alerts.length < limit; index -= 1) {
    const event = events[index];
    if (event?.to_state == null || !ALERT_STATES.has(event.to_state) || seen.has(event.entry_id)) continue;
    seen.add(event.entry_id);
    const entry = await store.getEntry(event.entry_id);
    if (entry === undefined || entry.state !== event.to_state) continue;
    const reason = eventText(event, 'reason') ?? entry.last_error;
    alerts.push({
      severity: 'error',
      entryId: entry.id,
      state: entry.state,
      message: `${entry.state}${reason === null ? '' : `: ${reason}`}`,
      at: event.at,
    });
  }
  return alerts;
}
