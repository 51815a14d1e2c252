/**
 * Marks a result that came from the deterministic stub because the chosen agent's output could
 * not be used (see `withStubFallback`).
 */
export interface AgentRunFallback {
  /** The harness id whose run could not be used (`copilot`, `claude`…). */
  from: string;
  /** Why its output was unusable: the error of the original run. */
  reason: string;
}
