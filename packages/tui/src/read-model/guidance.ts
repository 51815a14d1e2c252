import type { QueueState } from '@hyperion/schema';
import type { DashboardAlert, DashboardEntry, DashboardRequest, DashboardWorker } from './model.js';

/** What {@link deriveGuidance} looks at. */
export interface GuidanceInput {
  /** Entry counts by state. */
  counts: Record<QueueState, number>;
  /** The entries shown (non-terminal first). */
  entries: readonly DashboardEntry[];
  /** Known workers. */
  workers: readonly DashboardWorker[];
  /** The newest requests. */
  requests: readonly DashboardRequest[];
  /** Current alerts, newest first. */
  alerts: readonly DashboardAlert[];
}

const MAXIMUM_ENTRY_HINTS = 3;

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Actionable next steps, most urgent first, each naming the command to run. */
export function deriveGuidance(input: GuidanceInput): string[] {
  const lines: string[] = [];
  const { counts } = input;
  const awaiting = input.entries.find((entry) => entry.state === 'awaiting_approval');
  if (counts.awaiting_approval > 0 && awaiting !== undefined) {
    const verb = counts.awaiting_approval === 1 ? 'awaits' : 'await';
    lines.push(
      `${plural(counts.awaiting_approval, 'entry', 'entries')} ${verb} approval: hyperion approve ${awaiting.id}`,
    );
  }
  const hinted = new Set<string>();
  for (const alert of input.alerts) {
    if (alert.severity !== 'error' || hinted.has(alert.entryId)) continue;
    if (hinted.size >= MAXIMUM_ENTRY_HINTS) break;
    hinted.add(alert.entryId);
    const what = alert.message.split(':')[0] ?? alert.message;
    lines.push(`entry ${alert.entryId} ${what}: hyperion queue show ${alert.entryId}`);
  }
  const stalled = input.workers.filter((worker) => worker.status === 'stalled');
  if (stalled.length > 0) {
    lines.push(
      `${plural(stalled.length, 'lease')} expired (${stalled.map((worker) => worker.name).join(', ')}): a live worker retakes them; hyperion run`,
    );
  }
  const busy = input.workers.some((worker) => worker.status === 'busy');
  if (counts.queued > 0 && !busy) {
    lines.push(
      `${plural(counts.queued, 'entry', 'entries')} queued and no worker holds a lease: hyperion run`,
    );
  }
  const failed = input.requests.find((request) => request.status === 'failed');
  if (failed !== undefined) {
    lines.push(
      `request ${failed.id} failed${failed.error === null ? '' : ` (${failed.error})`}: fix it, then hyperion request <file>`,
    );
  }
  const active = counts.queued + counts.awaiting_approval + counts.running;
  if (active === 0) lines.push('queue is empty: hyperion request <file>');
  return lines;
}
