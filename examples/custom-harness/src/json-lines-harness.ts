import {
  DEFAULT_ALLOWED_ENVIRONMENT,
  DEFAULT_SECRET_NAMES,
  HARNESS_SPECIFICATION_VERSION,
  buildAgentEnvironment,
  collectSecretValues,
  createRunDeadline,
  createRunEventEmitter,
  describeStopReason,
  readStructuredOutput,
  redactSecrets,
  type AgentHarnessV1,
  type AgentRunRequest,
  type AgentRunResult,
  type AgentUsage,
} from '@hyperion/harness';
import { parseAgentLine } from './agent-line.js';
import { runAgentProcess } from './agent-process.js';

/** Options of {@link JsonLinesHarness}. */
export interface JsonLinesHarnessOptions {
  /** The agent program and its arguments, spawned without a shell: `[process.execPath, 'agent.mjs']`. */
  command: readonly [string, ...string[]];
  /** The harness id (`--agent <id>` once registered); `json-lines` by default. */
  harnessId?: string;
  /** Milliseconds between SIGTERM and SIGKILL when a run is stopped; 1000 by default. */
  killGraceMs?: number;
  /** Environment variables the agent gets from this process (besides the request's); PATH, HOME, LANG by default. */
  allowedEnvironment?: readonly string[];
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .pop() ?? ''
  );
}

/**
 * A harness for any agent process that speaks JSON lines (see {@link AgentLine}): it gets the run
 * request as one JSON object on stdin (`role`, `prompt`, `filesInScope`, `outputSchema`,
 * `metadata`), works in the working directory, and prints events, usage and its answer on stdout.
 * Exit code 0 means it finished. Abort and timeout stop its whole process group.
 *
 * It does not confine what the process writes: like any agent CLI it runs with the rights of the
 * user. Hyperion's developer step refuses edits outside the assignment when it diffs the worktree.
 */
export class JsonLinesHarness implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId: string;

  constructor(private readonly options: JsonLinesHarnessOptions) {
    this.harnessId = options.harnessId ?? 'json-lines';
  }

  async run(request: AgentRunRequest): Promise<AgentRunResult> {
    const startedAt = Date.now();
    const secretValues = collectSecretValues(DEFAULT_SECRET_NAMES, process.env, request.environment);
    const events = createRunEventEmitter(request.onEvent, secretValues);
    const deadline = createRunDeadline(request);
    let answer = '';
    const usage: AgentUsage = { reported: false };
    const finish = (outcome: Omit<AgentRunResult, 'usage' | 'durationMs'>): AgentRunResult => {
      events.emit('run:finished', { status: outcome.status });
      return { ...outcome, usage, durationMs: Date.now() - startedAt };
    };
    try {
      events.emit('run:started', { harnessId: this.harnessId });
      const outcome = await runAgentProcess({
        command: this.options.command,
        workingDirectory: request.workingDirectory,
        environment: buildAgentEnvironment(process.env, {
          allow: this.options.allowedEnvironment ?? DEFAULT_ALLOWED_ENVIRONMENT,
          secretNames: DEFAULT_SECRET_NAMES,
          extra: request.environment,
        }),
        input: `${JSON.stringify({
          role: request.role,
          prompt: request.prompt,
          filesInScope: request.filesInScope,
          outputSchema: request.outputSchema,
          metadata: request.metadata,
        })}\n`,
        signal: deadline.signal,
        killGraceMs: this.options.killGraceMs ?? 1_000,
        onLine: (line) => {
          const parsed = parseAgentLine(line);
          if (parsed === undefined) events.emit('output:line', { line });
          else if (parsed.type === 'event') events.emit(parsed.event, parsed.data);
          else if (parsed.type === 'answer') answer = parsed.text;
          else {
            for (const key of ['inputTokens', 'outputTokens', 'costUsd', 'credits'] as const) {
              const value = parsed[key];
              if (value === undefined) continue;
              usage[key] = value;
              usage.reported = true;
            }
          }
        },
      });
      const text = redactSecrets(answer, secretValues);
      const stopped = deadline.stopReason();
      if (stopped !== undefined) {
        return finish({
          status: stopped,
          text,
          error: describeStopReason(stopped, request.budget?.timeoutMs),
        });
      }
      if (outcome.spawnError !== undefined) {
        return finish({
          status: 'failed',
          text: '',
          error: `cannot start ${this.options.command[0]}: ${outcome.spawnError.message}`,
        });
      }
      if (outcome.exitCode !== 0) {
        const reason = lastLine(redactSecrets(outcome.stderr, secretValues));
        return finish({
          status: 'failed',
          text,
          ...(outcome.exitCode === null ? {} : { exitCode: outcome.exitCode }),
          error: `the agent exited with ${outcome.exitCode ?? 'a signal'}${reason === '' ? '' : `: ${reason}`}`,
        });
      }
      return finish({ text, exitCode: 0, ...readStructuredOutput(text, request.outputSchema) });
    } finally {
      deadline.dispose();
      events.close();
    }
  }
}
