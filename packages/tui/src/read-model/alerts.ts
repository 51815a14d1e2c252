import type { QueueEntry, QueueEvent } from '@hyperion/schema';
import { eventText } from './event-fields.js';
import type { DashboardAlert } from './model.js';

/** Why an event deserves an alert, or undefined when it does not. */
function alertFor(event: QueueEvent): Omit<DashboardAlert, 'entryId' | 'at'> | undefined {
  const reason = eventText(event, 'reason');
  const because = reason === undefined ? '' : `: ${reason}`;
  switch (event.type) {
    case 'entry:quarantined':
      return { severity: 'error', message: `quarantined${because}` };
    case 'entry:conflicted':
      return { severity: 'error', message: `conflicted${because}` };
    case 'entry:landing_held':
      return { severity: 'warning', message: `landing held${because}` };
    case 'check:failed': {
      const name = eventText(event, 'name') ?? 'a check';
      const exitCode = eventText(event, 'exit_code');
      const timedOut = event.data['timed_out'] === true;
      const how = timedOut ? 'timed out' : exitCode === undefined ? 'failed' : `exited with ${exitCode}`;
      return { severity: 'warning', message: `check ${name} ${how}` };
    }
    default:
      return undefined;
  }
}

/**
 * Alerts, newest first: running entries whose lease expired, then quarantines, conflicts, held
 * landings and failed checks among `recentEvents` (the alert window, in log order).
 */
export function deriveAlerts(
  activeEntries: readonly QueueEntry[],
  recentEvents: readonly QueueEvent[],
  now: number,
): DashboardAlert[] {
  const alerts: DashboardAlert[] = [];
  for (const entry of activeEntries) {
    if (entry.state !== 'running' || entry.lease_expires_at === null || entry.lease_expires_at >= now)
      continue;
    alerts.push({
      severity: 'warning',
      entryId: entry.id,
      message: `lease of ${entry.lease_owner ?? 'unknown worker'} expired ${Math.round((now - entry.lease_expires_at) / 1000)}s ago`,
      at: new Date(entry.lease_expires_at).toISOString(),
    });
  }
  for (let index = recentEvents.length - 1; index >= 0; index -= 1) {
    const event = recentEvents[index];
    const alert = event === undefined ? undefined : alertFor(event);
    if (event !== undefined && alert !== undefined)
      alerts.push({ ...alert, entryId: event.entry_id, at: event.at });
  }
  return alerts;
}
