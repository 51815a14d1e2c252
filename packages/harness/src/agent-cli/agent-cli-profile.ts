import type { CommandProcessOutcome } from '../command/run-command-process.js';
import type { AgentBudget } from '../v1/agent-budget.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentUsage } from '../v1/agent-usage.js';
import type { AgentCliTranscript } from './agent-cli-transcript.js';

/** What the shared agent CLI runner needs to know about one CLI. */
export interface AgentCliProfile {
  /** The harness id (`copilot`, `claude`). */
  harnessId: string;
  /** How errors name the CLI (`the GitHub Copilot CLI`). */
  displayName: string;
  /** The binary used when the options give none. */
  defaultBinary: string;
  /** How to install the CLI, said when it cannot be found. */
  installHint: string;
  /** Variables the CLI reads, copied from the base environment when present. */
  environmentNames: readonly string[];
  /** Prefixes of variables the CLI reads (`COPILOT_`), copied like {@link environmentNames}. */
  environmentPrefixes: readonly string[];
  /** Secret variables the CLI needs to sign in: passed to it, but redacted from events. */
  credentialNames: readonly string[];
  /** The CLI's arguments for one run. */
  arguments(request: AgentRunRequest, run: AgentCliRunSettings): string[];
  /** A fresh transcript reader for one run. */
  createTranscript(): AgentCliTranscript;
  /** How to sign in, when the run failed because the CLI is not signed in. */
  authenticationProblem(outcome: CommandProcessOutcome, transcript: AgentCliTranscript): string | undefined;
  /** What the credit budget (`budget.maxCredits`) is measured against in the usage. */
  creditsSpent(usage: AgentUsage): number | undefined;
  /** The unit of credits in errors (`credits`, `USD`). */
  creditsUnit: string;
}

/** The settings of one run, the request's merged over the harness options. */
export interface AgentCliRunSettings {
  /** The model to ask for, if any. */
  model?: string;
  /** The session to continue, when resuming. */
  resumeSessionId?: string;
  /** The run's budget. */
  budget: AgentBudget;
}
