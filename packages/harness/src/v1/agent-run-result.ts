import type { AgentRunFallback } from './agent-run-fallback.js';
import type { AgentRunStatus } from './agent-run-status.js';
import type { AgentUsage } from './agent-usage.js';

/** How an agent run ended and what it produced. */
export interface AgentRunResult {
  /** How the run ended. */
  status: AgentRunStatus;
  /** The agent's final text answer (empty when it gave none). */
  text: string;
  /** The parsed structured output, present when the request gave an `outputSchema` and the output satisfied it. */
  structuredOutput?: unknown;
  /** What the run consumed, or `{ reported: false }`. */
  usage: AgentUsage;
  /** The agent's session id, usable with `resume` when the harness supports it. */
  sessionId?: string;
  /** Wall-clock duration of the run in milliseconds. */
  durationMs: number;
  /** Exit code of the agent process, when the harness ran one and it exited. */
  exitCode?: number;
  /** One line saying what went wrong, when `status` is not `ok`. */
  error?: string;
  /**
   * True when the run failed only because the agent's output could not be parsed: its structured
   * output was not JSON or broke the `outputSchema`, or the agent CLI's own output was malformed.
   * Callers may then fall back to a deterministic path (`withStubFallback`).
   */
  unparseableOutput?: boolean;
  /** Present when this result is the stub's, run because the original harness's output was unparseable. */
  fallback?: AgentRunFallback;
}
