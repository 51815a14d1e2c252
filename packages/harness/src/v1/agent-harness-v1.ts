import type { AgentRunRequest } from './agent-run-request.js';
import type { AgentRunResult } from './agent-run-result.js';

/** The version tag of this interface. Callers refuse harnesses that carry another one. */
export const HARNESS_SPECIFICATION_VERSION = 'harness-v1';

/**
 * Version 1 of the agent harness interface: runs one agent on one request.
 *
 * `run` never throws for an agent's own failure: it reports it in the result's `status` and `error`.
 * Optional capabilities are optional methods; call them through helpers such as `callResume`,
 * which throw a `HyperionError` with code `unsupported` when the capability is missing.
 */
export interface AgentHarnessV1 {
  /** The interface version this harness implements. */
  readonly specificationVersion: typeof HARNESS_SPECIFICATION_VERSION;
  /** Stable identifier of the harness (`stub`, `command`, `copilot`…). */
  readonly harnessId: string;
  /** Runs the agent once on `request` and reports how it ended. */
  run(request: AgentRunRequest): Promise<AgentRunResult>;
  /** Optional: continues the agent session `sessionId` with a new request. */
  resume?(sessionId: string, request: AgentRunRequest): Promise<AgentRunResult>;
}
