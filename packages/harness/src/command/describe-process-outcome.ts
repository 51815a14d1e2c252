import {
  readStructuredOutput,
  type StructuredOutputOutcome,
} from '../structured-output/read-structured-output.js';
import type { CommandProcessOutcome } from './run-command-process.js';

/** The status, error and structured output of a command run that was not stopped. */
export function describeProcessOutcome(
  outcome: CommandProcessOutcome,
  program: string,
  outputSchema: Record<string, unknown> | undefined,
): StructuredOutputOutcome {
  const failure = describeProcessFailure(outcome, program);
  if (failure !== undefined) return { status: 'failed', error: failure };
  return readStructuredOutput(outcome.stdout, outputSchema);
}

/** Why the process failed (could not start, exited non-zero, was killed), or `undefined` when it exited 0. */
export function describeProcessFailure(outcome: CommandProcessOutcome, program: string): string | undefined {
  if (outcome.spawnError !== undefined) {
    const hint = outcome.spawnError.code === 'ENOENT' ? ': is it installed and on PATH?' : '';
    return `cannot start "${program}" (${outcome.spawnError.message})${hint}`;
  }
  if (outcome.exitCode === 0) return undefined;
  const how =
    outcome.exitCode === undefined
      ? `was killed by ${outcome.exitSignal}`
      : `exited with code ${outcome.exitCode}`;
  const lastLine = outcome.stderr.trim().split('\n').at(-1) ?? '';
  return `"${program}" ${how}${lastLine === '' ? '' : `: ${lastLine}`}`;
}
