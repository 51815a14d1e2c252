/**
 * What an agent run consumed. Agents that do not report usage return `{ reported: false }`;
 * when `reported` is true at least one of the numbers is present.
 */
export interface AgentUsage {
  /** Tokens sent to the model. */
  inputTokens?: number;
  /**
   * Of the input tokens, those the model served from its prompt cache (read, not written), when the
   * agent reports them. Raw count, for display; budgets count `inputTokens`.
   */
  cachedInputTokens?: number;
  /** Tokens the model produced. */
  outputTokens?: number;
  /** Cost in US dollars, when the agent reports it. */
  costUsd?: number;
  /** Credits (premium requests or similar units), when the agent reports them. */
  credits?: number;
  /** Whether the agent reported usage at all; false declares the numbers absent, not zero. */
  reported: boolean;
}
