import { performance } from 'node:perf_hooks';
import { HyperionError } from '@hyperion/schema';
import {
  buildAgentEnvironment,
  collectSecretValues,
  DEFAULT_ALLOWED_ENVIRONMENT,
  DEFAULT_SECRET_NAMES,
  redactSecrets,
} from '../environment/index.js';
import { createRunDeadline, describeStopReason } from '../events/run-deadline.js';
import { createRunEventEmitter } from '../events/run-event-emitter.js';
import { HARNESS_SPECIFICATION_VERSION, type AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';
import { expandCommandTemplate } from './expand-command-template.js';
import { describeProcessOutcome } from './describe-process-outcome.js';
import { runCommandProcess } from './run-command-process.js';
import { UsageLines } from './usage-lines.js';
import { describeBudgetOverrun } from '../agent-cli/budget-watch.js';

/** How a {@link CommandHarness} runs its agent. */
export interface CommandHarnessOptions {
  /**
   * The command template: an argv array spawned without a shell, or a string run with `sh -c`.
   * `{prompt}`, `{files}`, `{model}` and `{workingDirectory}` are replaced by the request's values.
   */
  command: readonly string[] | string;
  /** Names of secret variables: never passed to the agent, and their values redacted from events and results. */
  secretNames?: readonly string[];
  /** Names copied from the base environment besides `PATH`, `HOME` and `LANG`. */
  allowEnvironment?: readonly string[];
  /** The environment to copy allowed variables from; `process.env` by default. */
  baseEnvironment?: Record<string, string | undefined>;
  /** Milliseconds between SIGTERM and SIGKILL when a run is stopped; 2000 by default. */
  killGraceMs?: number;
  /** The harness id reported by the harness; `command` by default. */
  harnessId?: string;
  /**
   * Read usage from stdout: each line `{"usage": {"input_tokens", "output_tokens",
   * "cached_input_tokens", "cost_usd", "credits"}}` adds to the run's usage, and going over the
   * request's token or credit budget stops the process group (`budget-exceeded`). Off by default:
   * usage is then declared absent.
   */
  reportsUsage?: boolean;
}

/**
 * Runs any agent command line in the working directory (aider, an in-house agent…).
 *
 * Each stdout and stderr line becomes an `output:line` event. The agent gets a minimal environment.
 * On abort or timeout the whole process group is killed. With an `outputSchema`, stdout (or its
 * last line) must be JSON that satisfies it. Unless `reportsUsage` is set, budgets other than the
 * timeout cannot be enforced, and usage is declared absent.
 */
export class CommandHarness implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId: string;
  private readonly options: CommandHarnessOptions;

  constructor(options: CommandHarnessOptions) {
    const empty =
      typeof options.command === 'string' ? options.command.trim() === '' : options.command.length === 0;
    if (empty)
      throw new HyperionError('invalid_input', 'the command harness needs a non-empty command template');
    this.options = options;
    this.harnessId = options.harnessId ?? 'command';
  }

  async run(request: AgentRunRequest): Promise<AgentRunResult> {
    const startedAt = performance.now();
    const secretNames = this.options.secretNames ?? DEFAULT_SECRET_NAMES;
    const baseEnvironment = this.options.baseEnvironment ?? process.env;
    const secretValues = collectSecretValues(secretNames, baseEnvironment, request.environment);
    const events = createRunEventEmitter(request.onEvent, secretValues);
    const deadline = createRunDeadline(request);
    const command = expandCommandTemplate(this.options.command, {
      prompt: request.prompt,
      files: request.filesInScope,
      model: request.model ?? '',
      workingDirectory: request.workingDirectory,
    });
    const usageLines = this.options.reportsUsage === true ? new UsageLines() : undefined;
    const overBudget = new AbortController();
    let overrun: string | undefined;
    try {
      events.emit('run:started', { harnessId: this.harnessId, role: request.role, program: command.program });
      const outcome = await runCommandProcess({
        command,
        cwd: request.workingDirectory,
        environment: buildAgentEnvironment(baseEnvironment, {
          allow: [...DEFAULT_ALLOWED_ENVIRONMENT, ...(this.options.allowEnvironment ?? [])],
          secretNames,
          extra: request.environment ?? {},
        }),
        signal: AbortSignal.any([deadline.signal, overBudget.signal]),
        killGraceMs: this.options.killGraceMs ?? 2_000,
        onLine: (stream, line) => {
          events.emit('output:line', { stream, line });
          if (stream !== 'stdout' || usageLines === undefined || !usageLines.read(line)) return;
          const usage = usageLines.usage();
          overrun ??=
            request.budget === undefined
              ? undefined
              : describeBudgetOverrun(usage, request.budget, usage.credits ?? usage.costUsd, 'credits');
          if (overrun !== undefined) overBudget.abort();
        },
      });
      const stopReason = deadline.stopReason();
      const described =
        stopReason !== undefined
          ? { status: stopReason, error: describeStopReason(stopReason, request.budget?.timeoutMs) }
          : overrun !== undefined
            ? { status: 'budget-exceeded' as const, error: overrun }
            : describeProcessOutcome(outcome, command.program, request.outputSchema);
      const result: AgentRunResult = {
        ...described,
        text: redactSecrets(outcome.stdout.trimEnd(), secretValues),
        usage: usageLines?.usage() ?? { reported: false },
        durationMs: performance.now() - startedAt,
        ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
      };
      if (result.error !== undefined) result.error = redactSecrets(result.error, secretValues);
      events.emit('run:finished', { status: result.status, exitCode: outcome.exitCode ?? null });
      return result;
    } finally {
      deadline.dispose();
      events.close();
    }
  }
}
