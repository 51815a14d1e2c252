import type { AgentCliHarnessOptions } from '../agent-cli/agent-cli-harness-options.js';
import type { AgentCliProfile } from '../agent-cli/agent-cli-profile.js';
import { composePrompt } from '../agent-cli/compose-prompt.js';
import { runAgentCli } from '../agent-cli/run-agent-cli.js';
import { HARNESS_SPECIFICATION_VERSION, type AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';
import { CopilotTranscript } from './copilot-transcript.js';

/** Options of the {@link CopilotCliHarness}. */
export type CopilotCliHarnessOptions = AgentCliHarnessOptions;

const NOT_SIGNED_IN = /No authentication information found/;

/** How the shared agent CLI runner drives `copilot`. */
export const COPILOT_CLI_PROFILE: AgentCliProfile = {
  harnessId: 'copilot',
  displayName: 'the GitHub Copilot CLI',
  defaultBinary: 'copilot',
  installHint:
    'install it with `npm install -g @github/copilot`, or set agent.binary in .hyperion/config.json',
  environmentNames: ['GH_HOST', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME'],
  environmentPrefixes: ['COPILOT_'],
  credentialNames: ['COPILOT_GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_TOKEN', 'COPILOT_PROVIDER_API_KEY'],
  arguments: (request, run) => [
    '-p',
    composePrompt(request),
    '--allow-all-tools',
    '--no-ask-user',
    '--output-format',
    'json',
    '--no-auto-update',
    // Worktrees live in the temporary directory too: only the working directory is open to the agent.
    '--disallow-temp-dir',
    ...(run.model === undefined ? [] : ['--model', run.model]),
    ...(run.resumeSessionId === undefined ? [] : ['--resume', run.resumeSessionId]),
  ],
  createTranscript: () => new CopilotTranscript(),
  authenticationProblem: (outcome) =>
    NOT_SIGNED_IN.test(outcome.stderr)
      ? 'the GitHub Copilot CLI is not signed in: set COPILOT_GITHUB_TOKEN (or GH_TOKEN / GITHUB_TOKEN), run `copilot login`, or point it at a model provider with COPILOT_PROVIDER_BASE_URL'
      : undefined,
  creditsSpent: (usage) => usage.credits,
  creditsUnit: 'credits',
};

/**
 * Runs the GitHub Copilot CLI (`copilot -p <prompt> --allow-all-tools --no-ask-user
 * --output-format json --no-auto-update`) in the working directory.
 *
 * Its JSONL events become `agent:record` events; the final `result` record gives the session id,
 * the exit code and the premium requests (`usage.credits`). `budget.maxCredits` stops the run
 * (`budget-exceeded`) as soon as the reported credits pass it. The agent gets a minimal environment:
 * `PATH`, `HOME`, `LANG`, `COPILOT_*` and its sign-in tokens, whose values never reach events.
 */
export class CopilotCliHarness implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId = 'copilot';

  constructor(private readonly options: CopilotCliHarnessOptions = {}) {}

  run(request: AgentRunRequest): Promise<AgentRunResult> {
    return runAgentCli(COPILOT_CLI_PROFILE, this.options, request);
  }

  /** Continues the Copilot session `sessionId` (`--resume <id>`) with a new prompt. */
  resume(sessionId: string, request: AgentRunRequest): Promise<AgentRunResult> {
    return runAgentCli(COPILOT_CLI_PROFILE, this.options, request, sessionId);
  }
}
