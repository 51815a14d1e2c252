import type { AgentCliHarnessOptions } from '../agent-cli/agent-cli-harness-options.js';
import type { AgentCliProfile } from '../agent-cli/agent-cli-profile.js';
import { composePrompt } from '../agent-cli/compose-prompt.js';
import { runAgentCli } from '../agent-cli/run-agent-cli.js';
import { HARNESS_SPECIFICATION_VERSION, type AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';
import { ClaudeTranscript } from './claude-transcript.js';

/** Options of the {@link ClaudeCodeHarness}. */
export type ClaudeCodeHarnessOptions = AgentCliHarnessOptions;

/** How the shared agent CLI runner drives `claude`. */
export const CLAUDE_CODE_PROFILE: AgentCliProfile = {
  harnessId: 'claude',
  displayName: 'Claude Code',
  defaultBinary: 'claude',
  installHint:
    'install it with `npm install -g @anthropic-ai/claude-code`, or set agent.binary in .hyperion/config.json',
  environmentNames: ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'XDG_CONFIG_HOME'],
  environmentPrefixes: ['ANTHROPIC_', 'CLAUDE_'],
  credentialNames: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'],
  arguments: (request, run) => [
    '-p',
    composePrompt(request),
    '--output-format',
    'stream-json',
    '--verbose',
    // Not --dangerously-skip-permissions: it is refused as root, and edits are all a developer needs.
    '--permission-mode',
    'acceptEdits',
    // Scoped to the working directory: a bare `Write` rule would let the agent write anywhere.
    '--allowedTools',
    'Read(./**) Write(./**) Edit(./**)',
    ...(run.model === undefined ? [] : ['--model', run.model]),
    ...(run.resumeSessionId === undefined ? [] : ['--resume', run.resumeSessionId]),
    ...(run.budget.maxCredits === undefined ? [] : ['--max-budget-usd', String(run.budget.maxCredits)]),
  ],
  createTranscript: () => new ClaudeTranscript(),
  authenticationProblem: (_outcome, transcript) =>
    transcript.notSignedIn()
      ? 'Claude Code is not signed in: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), or run `claude` once and sign in with /login'
      : undefined,
  creditsSpent: (usage) => usage.costUsd,
  creditsUnit: 'USD',
};

/**
 * Runs Claude Code (`claude -p <prompt> --output-format stream-json --verbose --permission-mode
 * acceptEdits --allowedTools "Read(./**) Write(./**) Edit(./**)"`) in the working directory.
 *
 * Its records become `agent:record` events; the final `result` gives `session_id`, token usage and
 * `total_cost_usd` (`usage.costUsd`). `budget.maxCredits` is a budget in US dollars here (also
 * passed as `--max-budget-usd`). The agent gets a minimal environment: `PATH`, `HOME`, `LANG`,
 * `ANTHROPIC_*`, `CLAUDE_*`; its API key never reaches events.
 */
export class ClaudeCodeHarness implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId = 'claude';

  constructor(private readonly options: ClaudeCodeHarnessOptions = {}) {}

  run(request: AgentRunRequest): Promise<AgentRunResult> {
    return runAgentCli(CLAUDE_CODE_PROFILE, this.options, request);
  }

  /** Continues the Claude Code session `sessionId` (`--resume <id>`) with a new prompt. */
  resume(sessionId: string, request: AgentRunRequest): Promise<AgentRunResult> {
    return runAgentCli(CLAUDE_CODE_PROFILE, this.options, request, sessionId);
  }
}
