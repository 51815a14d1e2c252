import { redactSecrets, secretValuesOf, type QueueEntry } from '@hyperion/schema';
import { notStartedResult, type CheckRunResult } from './check-runner.js';
import { recordEntryEvents, type QueueRuntime } from './runtime.js';

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

/** The batch a check covered, recorded with the check events of each of its entries. */
export interface CandidateBatch {
  /** The batch's id (shared by every event of one batch attempt). */
  id: string;
  /** How many entries the checked commit carries. */
  size: number;
  /** The commit that was checked. */
  head: string;
}

/**
 * Runs every configured check, in order, on the worktree holding the entry's commit. A failed
 * check is run again up to its `retries`; a pass after a failure is recorded as a flake, never as
 * a silent success. Stops at the first check that still fails. Every result is redacted
 * (`redactSecrets`, with the values of the worker's secret variables) before it is emitted or
 * recorded. Once `signal` aborts (the lease was lost) the running check is killed, no other
 * starts, and nothing more is recorded: the result is a failure the caller must not charge.
 */
export function runEntryChecks(
  runtime: QueueRuntime,
  entry: QueueEntry,
  directory: string,
  worker: string,
  signal: AbortSignal,
): Promise<EntryChecksOutcome> {
  return runCandidateChecks(runtime, [entry], directory, worker, signal);
}

/**
 * {@link runEntryChecks} for a candidate carrying several entries: the checks run once on the
 * worktree, and every check event is recorded on every entry the checked commit carries (with
 * `batch` data when given), so each entry's audit trail is whole.
 */
export async function runCandidateChecks(
  runtime: QueueRuntime,
  entries: readonly QueueEntry[],
  directory: string,
  worker: string,
  signal: AbortSignal,
  batch?: CandidateBatch,
): Promise<EntryChecksOutcome> {
  const outcome = await runCandidateChecksUnlessStopped(runtime, entries, directory, worker, signal, batch);
  // Only a `stop` signal stops them, and none was given.
  if (outcome === 'stopped') throw new Error('checks without a stop signal were stopped');
  return outcome;
}

/**
 * {@link runCandidateChecks} that `stop` can end early: the running check is killed, nothing is
 * recorded of it (it came to no verdict), no further check or retry starts, and the result is
 * `stopped`. For a speculative candidate
 * whose base turned red while it was checked: its verdict would be thrown away.
 */
export async function runCandidateChecksUnlessStopped(
  runtime: QueueRuntime,
  entries: readonly QueueEntry[],
  directory: string,
  worker: string,
  signal: AbortSignal,
  batch?: CandidateBatch,
  stop?: AbortSignal,
): Promise<EntryChecksOutcome | 'stopped'> {
  const secretValues = secretValuesOf(process.env, runtime.config.agent.secret_env);
  const runSignal = stop === undefined ? signal : AbortSignal.any([signal, stop]);
  const run = async (check: (typeof runtime.config.checks)[number]): Promise<CheckRunResult> =>
    redactResult(await runtime.checkRunner.run(check, directory, runSignal), secretValues);
  const extra = batch === undefined ? {} : { batch: { ...batch } };
  const ids = entries.map((entry) => entry.id);
  const recordOnEach = (type: 'check:flaked' | 'check:passed' | 'check:failed', data: object) =>
    recordEntryEvents(runtime, ids, type, { ...data, ...extra }, worker);
  // A run cut short by the lease's loss or by `stop` came to no verdict: nothing of it is
  // recorded (the entry may be another worker's by now; the caller throws for a lost lease), and
  // no further check or retry starts.
  const cutShort = (
    check: (typeof runtime.config.checks)[number],
    result?: CheckRunResult,
  ): EntryChecksOutcome | 'stopped' | undefined => {
    if (signal.aborted)
      return {
        passed: false,
        reason: 'the lease was lost while it was checked',
        failed: result ?? notStartedResult(check),
      };
    return stop?.aborted === true ? 'stopped' : undefined;
  };
  for (const check of runtime.config.checks) {
    const before = cutShort(check);
    if (before !== undefined) return before;
    let result = await run(check);
    const failures: CheckRunResult[] = [];
    while (!result.passed && failures.length < check.retries && !runSignal.aborted) {
      failures.push(result);
      result = await run(check);
    }
    const after = cutShort(check, result);
    if (after !== undefined) return after;
    if (!result.passed) failures.push(result);
    for (const entry of entries) runtime.events.emit('check:finished', { entry, worker, result });
    if (result.passed && failures.length > 0) {
      await recordOnEach('check:flaked', { ...summarize(result), failed_runs: failures.map(summarize) });
    }
    await recordOnEach(result.passed ? 'check:passed' : 'check:failed', summarize(result));
    if (!result.passed) {
      const how = result.timedOut
        ? `timed out after ${check.timeout_ms} ms`
        : `exited with ${result.exitCode ?? 'a signal'}`;
      return { passed: false, reason: `check '${check.name}' failed: ${how}`, failed: result };
    }
  }
  return { passed: true };
}
