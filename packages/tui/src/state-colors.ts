import type { QueueState } from '@hyperion/schema';

/** The ink color of each queue state. */
export const STATE_COLORS: Record<QueueState, string> = {
  queued: 'white',
  awaiting_approval: 'magenta',
  running: 'cyan',
  landed: 'green',
  quarantined: 'red',
  conflicted: 'red',
  rejected: 'red',
  cancelled: 'gray',
  rolled_back: 'yellow',
  'dry-run-passed': 'green',
  'dry-run-failed': 'red',
};

/** Short labels so the state column stays narrow. */
export const STATE_LABELS: Record<QueueState, string> = {
  queued: 'queued',
  awaiting_approval: 'approval',
  running: 'running',
  landed: 'landed',
  quarantined: 'quarantine',
  conflicted: 'conflict',
  rejected: 'rejected',
  cancelled: 'cancelled',
  rolled_back: 'rolledback',
  'dry-run-passed': 'dry-pass',
  'dry-run-failed': 'dry-fail',
};
