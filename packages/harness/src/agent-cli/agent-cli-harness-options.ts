/** Options shared by the harnesses that run a real agent CLI (`CopilotCliHarness`, `ClaudeCodeHarness`). */
export interface AgentCliHarnessOptions {
  /** The CLI to run: a path, or a name looked up on the agent's `PATH`. Defaults to the CLI's own name. */
  binary?: string;
  /** The model used when a request names none; the CLI's own default when both are absent. */
  model?: string;
  /** Variables added to every run's environment (before the request's own `environment`). */
  environment?: Record<string, string>;
  /** The environment to copy allowed variables from; `process.env` by default. */
  baseEnvironment?: Record<string, string | undefined>;
  /** Names copied from the base environment besides `PATH`, `HOME`, `LANG` and the CLI's own variables. */
  allowEnvironment?: readonly string[];
  /**
   * Names of secret variables: never passed to the agent (except the CLI's own credentials, which
   * it needs to sign in), and their values are redacted from events and results.
   */
  secretNames?: readonly string[];
  /** The wall-clock budget of a run whose request gives none. */
  timeoutMs?: number;
  /** The credit budget of a run whose request gives none. */
  maxCredits?: number;
  /** Milliseconds between SIGTERM and SIGKILL when a run is stopped; 2000 by default. */
  killGraceMs?: number;
  /** Arguments appended to every command line (after Hyperion's own). */
  extraArguments?: readonly string[];
}
