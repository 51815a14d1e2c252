import { performance } from 'node:perf_hooks';
import { describeProcessFailure } from '../command/describe-process-outcome.js';
import { runCommandProcess, type CommandProcessOutcome } from '../command/run-command-process.js';
import { redactSecrets } from '../environment/index.js';
import { createRunDeadline, describeStopReason } from '../events/run-deadline.js';
import { createRunEventEmitter } from '../events/run-event-emitter.js';
import { readStructuredOutput } from '../structured-output/read-structured-output.js';
import type { AgentBudget } from '../v1/agent-budget.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';
import { buildAgentCliEnvironment } from './agent-cli-environment.js';
import type { AgentCliHarnessOptions } from './agent-cli-harness-options.js';
import type { AgentCliProfile } from './agent-cli-profile.js';
import type { AgentCliTranscript } from './agent-cli-transcript.js';
import { describeBudgetOverrun } from './budget-watch.js';
import { findExecutable } from './find-executable.js';

type Outcome = Omit<AgentRunResult, 'usage' | 'durationMs' | 'text' | 'sessionId' | 'exitCode'>;

/**
 * Runs an agent CLI once in the request's working directory and reads its JSON-lines output.
 *
 * Every JSON record becomes an `agent:record` event (other lines `output:line`). Usage is checked
 * against the budget after each record; going over it stops the whole process group with status
 * `budget-exceeded`, as abort (`cancelled`) and the wall-clock limit (`timed-out`) do.
 */
export async function runAgentCli(
  profile: AgentCliProfile,
  options: AgentCliHarnessOptions,
  request: AgentRunRequest,
  resumeSessionId?: string,
): Promise<AgentRunResult> {
  const startedAt = performance.now();
  const budget: AgentBudget = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxCredits === undefined ? {} : { maxCredits: options.maxCredits }),
    ...request.budget,
  };
  const { environment, secretValues } = buildAgentCliEnvironment(profile, options, request);
  const events = createRunEventEmitter(request.onEvent, secretValues);
  const deadline = createRunDeadline({ abortSignal: request.abortSignal, budget });
  const overBudget = new AbortController();
  const transcript = profile.createTranscript();
  const binary = options.binary ?? profile.defaultBinary;
  const model = request.model ?? options.model;
  const finish = (outcome: Outcome, processOutcome?: CommandProcessOutcome): AgentRunResult => {
    const sessionId = transcript.sessionId();
    const exitCode = processOutcome?.exitCode;
    const result: AgentRunResult = {
      ...outcome,
      text: redactSecrets(transcript.text(), secretValues),
      usage: transcript.usage(),
      durationMs: performance.now() - startedAt,
      ...(sessionId === undefined ? {} : { sessionId }),
      ...(exitCode === undefined ? {} : { exitCode }),
    };
    if (result.error !== undefined) result.error = redactSecrets(result.error, secretValues);
    events.emit('run:finished', {
      status: result.status,
      exitCode: exitCode ?? null,
      ...(result.error === undefined ? {} : { error: result.error }),
    });
    return result;
  };
  try {
    events.emit('run:started', { harnessId: profile.harnessId, role: request.role, program: binary });
    const program = findExecutable(binary, environment['PATH'], request.workingDirectory);
    if (program === undefined) {
      return finish({
        status: 'failed',
        error: `${profile.displayName} ("${binary}") was not found on PATH: ${profile.installHint}`,
      });
    }
    let overrun: string | undefined;
    const processOutcome = await runCommandProcess({
      command: {
        program,
        arguments: profile
          .arguments(request, {
            ...(model === undefined ? {} : { model }),
            ...(resumeSessionId === undefined ? {} : { resumeSessionId }),
            budget,
          })
          .concat(options.extraArguments ?? []),
      },
      cwd: request.workingDirectory,
      environment,
      signal: AbortSignal.any([deadline.signal, overBudget.signal]),
      killGraceMs: options.killGraceMs ?? 2_000,
      onLine: (stream, line) => {
        const record = stream === 'stdout' ? parseRecord(line) : undefined;
        if (record === undefined) {
          events.emit('output:line', { stream, line });
          return;
        }
        transcript.read(record);
        events.emit('agent:record', { recordType: record['type'] ?? null, record });
        overrun ??= overrunOf(profile, transcript, budget);
        if (overrun !== undefined) overBudget.abort();
      },
    });
    const stopReason = deadline.stopReason();
    if (stopReason !== undefined) {
      return finish(
        { status: stopReason, error: describeStopReason(stopReason, budget.timeoutMs) },
        processOutcome,
      );
    }
    overrun ??= overrunOf(profile, transcript, budget);
    if (overrun !== undefined) return finish({ status: 'budget-exceeded', error: overrun }, processOutcome);
    return finish(describeEnding(profile, binary, processOutcome, transcript, request), processOutcome);
  } finally {
    deadline.dispose();
    events.close();
  }
}

function overrunOf(
  profile: AgentCliProfile,
  transcript: AgentCliTranscript,
  budget: AgentBudget,
): string | undefined {
  const usage = transcript.usage();
  return describeBudgetOverrun(usage, budget, profile.creditsSpent(usage), profile.creditsUnit);
}

function describeEnding(
  profile: AgentCliProfile,
  binary: string,
  processOutcome: CommandProcessOutcome,
  transcript: AgentCliTranscript,
  request: AgentRunRequest,
): Outcome {
  const authentication = profile.authenticationProblem(processOutcome, transcript);
  if (authentication !== undefined) return { status: 'failed', error: authentication };
  const reported = transcript.reportedError();
  if (reported !== undefined)
    return { status: 'failed', error: `${profile.displayName} failed: ${reported}` };
  const failure = describeProcessFailure(processOutcome, binary);
  if (failure !== undefined) return { status: 'failed', error: failure };
  if (!transcript.finished()) {
    return {
      status: 'failed',
      error: `${profile.displayName} printed no final result record (run it with --output-format set, and check its version)`,
      unparseableOutput: true,
    };
  }
  const exitCode = transcript.reportedExitCode();
  if (exitCode !== undefined && exitCode !== 0) {
    return { status: 'failed', error: `${profile.displayName} reported exit code ${exitCode}` };
  }
  return readStructuredOutput(transcript.text(), request.outputSchema);
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
