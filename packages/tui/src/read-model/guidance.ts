import type { QueueState } from '@hyperion/schema';
import type { DashboardAgent, DashboardAlert, DashboardRequest, DashboardWorker } from './model.js';

/** What {@link deriveGuidance} looks at. */
export interface GuidanceInput {
  /** Entry counts by state. */
  counts: Record<QueueState, number>;
  /** Known workers. */
  workers: readonly DashboardWorker[];
  /** Assignments agents work on or wait for. */
  agents: readonly DashboardAgent[];
  /** The newest requests. */
  requests: readonly DashboardRequest[];
  /** Current alerts, newest first. */
  alerts: readonly DashboardAlert[];
  /** The queue's switches. */
  controls: { paused: boolean; draining: boolean };
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

function verb(count: number, singular: string, pluralForm: string): string {
  return count === 1 ? singular : pluralForm;
}

/**
 * Actionable next steps, most urgent first, each naming the dashboard key that does it (or, for
 * what the dashboard cannot do, the command): "2 changes await approval — a to approve".
 */
export function deriveGuidance(input: GuidanceInput): string[] {
  const lines: string[] = [];
  const { counts, controls } = input;
  if (controls.draining) lines.push('queue is draining: workers stop when idle — p to resume');
  else if (controls.paused) lines.push('queue is paused: no new leases — p to resume');
  const awaiting = counts.awaiting_approval;
  if (awaiting > 0) {
    lines.push(
      `${plural(awaiting, 'change')} ${verb(awaiting, 'awaits', 'await')} approval — a to approve, x to reject, Enter to read`,
    );
  }
  const failed = input.alerts.filter((alert) => alert.severity === 'error').length;
  if (failed > 0) {
    lines.push(
      `${plural(failed, 'change')} quarantined or conflicted — Enter on an alert shows why, r to retry`,
    );
  }
  const stalled = input.workers.filter((worker) => worker.status === 'stalled');
  if (stalled.length > 0) {
    lines.push(
      `${plural(stalled.length, 'lease')} expired (${stalled.map((worker) => worker.name).join(', ')}): a live worker retakes ${verb(stalled.length, 'it', 'them')} — hyperion run`,
    );
  }
  const busy = input.workers.some((worker) => worker.status === 'busy');
  if (counts.queued > 0 && !busy && !controls.paused && !controls.draining) {
    lines.push(`${plural(counts.queued, 'change')} queued and no worker holds a lease — start hyperion run`);
  }
  const blocked = input.agents.filter((agent) => agent.status === 'blocked').length;
  if (blocked > 0) lines.push(`${plural(blocked, 'assignment')} blocked — Tab to Agents to see why`);
  const request = input.requests.find((candidate) => candidate.status === 'failed');
  if (request !== undefined) {
    lines.push(
      `request ${request.id} failed${request.error === null ? '' : ` (${request.error})`} — fix it, then hyperion request <file>`,
    );
  }
  const active = counts.queued + counts.awaiting_approval + counts.running;
  if (active === 0 && lines.length === 0)
    lines.push('queue is empty — submit work with hyperion request <file>');
  return lines;
}
