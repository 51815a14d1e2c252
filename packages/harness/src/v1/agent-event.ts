/**
 * One event an agent run reports while it runs (a line of output, a tool call, a usage record…).
 * Events of one run are delivered in order: `sequence` is strictly increasing.
 */
export interface AgentEvent {
  /** What happened, noun then verb in the past tense where it reports a fact (`run:started`, `output:line`). */
  type: string;
  /** When it happened, as an ISO 8601 timestamp. */
  at: string;
  /** Position of the event within its run, starting at 0 and strictly increasing. */
  sequence: number;
  /** The event's payload; secrets are redacted before it is delivered. */
  data: Record<string, unknown>;
}
