import { redactSecrets, secretValuesOf, type QueueEntry } from '@hyperion/schema';
import type { CheckRunResult } from './check-runner.js';
import { recordEntryEvent, type QueueRuntime } from './runtime.js';

/** What the checks of one attempt came to. */
export type EntryChecksOutcome =
  { passed: true; failed?: undefined } | { passed: false; reason: string; failed: CheckRunResult };

/** Largest piece of check output kept in one event row. */
const EVENT_OUTPUT_LIMIT = 16 * 1024;

function summarize(result: CheckRunResult): Record<string, unknown> {
  return {
    name: result.name,
    command: result.command,
    exit_code: result.exitCode,
    timed_out: result.timedOut,
    duration_ms: result.durationMs,
    output: result.output.slice(-EVENT_OUTPUT_LIMIT),
  };
}

/**
 * `result` with secrets redacted from its output and command. Any {@link CheckRunResult} passes
 * here before it becomes an event, whichever check runner produced it.
 */
function redactResult(result: CheckRunResult, secretValues: readonly string[]): CheckRunResult {
  return {
    ...result,
    command: redactSecrets(result.command, secretValues),
    output: redactSecrets(result.output, secretValues),
  };
}

/**
 * Runs every configured check, in order, on the worktree holding the entry's commit. A failed
 * check is run again up to its `retries`; a pass after a failure is recorded as a flake, never as
 * a silent success. Stops at the first check that still fails. Every result is redacted
 * (`redactSecrets`, with the values of the worker's secret variables) before it is emitted or
 * recorded.
 */
export async function runEntryChecks(
  runtime: QueueRuntime,
  entry: QueueEntry,
  directory: string,
  worker: string,
  signal: AbortSignal,
): Promise<EntryChecksOutcome> {
  const secretValues = secretValuesOf(process.env, runtime.config.agent.secret_env);
  const run = async (check: (typeof runtime.config.checks)[number]): Promise<CheckRunResult> =>
    redactResult(await runtime.checkRunner.run(check, directory, signal), secretValues);
  for (const check of runtime.config.checks) {
    let result = await run(check);
    const failures: CheckRunResult[] = [];
    while (!result.passed && failures.length < check.retries && !signal.aborted) {
      failures.push(result);
      result = await run(check);
    }
    if (!result.passed) failures.push(result);
    runtime.events.emit('check:finished', { entry, worker, result });
    if (result.passed && failures.length > 0) {
      await recordEntryEvent(
        runtime,
        entry.id,
        'check:flaked',
        { ...summarize(result), failed_runs: failures.map(summarize) },
        worker,
      );
    }
    await recordEntryEvent(
      runtime,
      entry.id,
      result.passed ? 'check:passed' : 'check:failed',
      summarize(result),
      worker,
    );
    if (!result.passed) {
      const how = result.timedOut
        ? `timed out after ${check.timeout_ms} ms`
        : `exited with ${result.exitCode ?? 'a signal'}`;
      return { passed: false, reason: `check '${check.name}' failed: ${how}`, failed: result };
    }
  }
  return { passed: true };
}
