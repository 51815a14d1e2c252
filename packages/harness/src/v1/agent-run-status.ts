/**
 * How an agent run ended.
 *
 * - `ok`: the agent finished and its output is usable.
 * - `failed`: the agent reported an error, exited non-zero or produced unusable output.
 * - `timed-out`: the budget's wall-clock limit passed.
 * - `cancelled`: the request's abort signal fired.
 * - `budget-exceeded`: the token or credit limit was passed.
 */
export type AgentRunStatus = 'ok' | 'failed' | 'timed-out' | 'cancelled' | 'budget-exceeded';

/** Every {@link AgentRunStatus}. */
export const AGENT_RUN_STATUSES: readonly AgentRunStatus[] = [
  'ok',
  'failed',
  'timed-out',
  'cancelled',
  'budget-exceeded',
];
