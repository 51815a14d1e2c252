import type { AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRole } from '../v1/agent-role.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';

/** Makes a fresh harness for one conformance check. */
export type CreateHarness = () => AgentHarnessV1 | Promise<AgentHarnessV1>;

/**
 * How to make the harness under test do each thing the suite needs. Each scenario returns part of
 * a request (prompt, metadata, environment…) that the suite merges over its own request, whose
 * working directory is a fresh temporary git repository.
 */
export interface HarnessConformanceScenarios {
  /** Makes the agent write `content` to `relativePath` in the working directory, then finish `ok`. */
  writeFile(relativePath: string, content: string): Partial<AgentRunRequest>;
  /** Makes the agent keep running until it is aborted or times out. */
  hang(): Partial<AgentRunRequest>;
  /** Makes the agent answer with `value` as its structured output (the request carries an `outputSchema`). */
  structuredOutput(value: unknown): Partial<AgentRunRequest>;
  /**
   * Makes the agent try to write `content` to `relativePath`, a path that leaves the working
   * directory (`../outside/…`). Give it when the harness claims to keep agents inside; the suite
   * then checks that nothing was written.
   */
  writeOutside?(relativePath: string, content: string): Partial<AgentRunRequest>;
}

/** Settings of the conformance suite. */
export interface HarnessConformanceOptions {
  /** How to make the harness act; see {@link HarnessConformanceScenarios}. */
  scenarios: HarnessConformanceScenarios;
  /** The role of every request; `developer` by default. */
  role?: AgentRole;
  /** Milliseconds the harness may take to end a run after an abort or a timeout; 5000 by default. */
  stopBoundMs?: number;
  /** The wall-clock budget the timeout check sets; 300 ms by default. */
  timeoutMs?: number;
  /** Milliseconds the harness gets to abort, counted from the start of the hanging run; 200 by default. */
  abortAfterMs?: number;
  /** Milliseconds an ordinary run may take; 30000 by default. */
  runBoundMs?: number;
}

/** One check that failed, and why. */
export interface HarnessConformanceFailure {
  /** The name of the check (`abort`, `timeout`, `events`, `usage`, `structured-output`, `writes`). */
  check: string;
  /** What the harness did wrong. */
  message: string;
}
