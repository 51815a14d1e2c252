/** Limits one agent run must stay within. Every limit is optional; a missing limit is no limit. */
export interface AgentBudget {
  /** Wall-clock limit in milliseconds; when it passes the run ends with status `timed-out`. */
  timeoutMs?: number;
  /** Limit on input plus output tokens, for agents that report tokens. */
  maxTokens?: number;
  /** Limit on credits (premium requests, cost units), for agents that report them. */
  maxCredits?: number;
}
