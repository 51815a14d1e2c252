import {
  parseJsonOutput,
  validateStructuredOutput,
} from '../structured-output/validate-structured-output.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';
import type { CommandProcessOutcome } from './run-command-process.js';

/** The status, error and structured output of a command run that was not stopped. */
export function describeProcessOutcome(
  outcome: CommandProcessOutcome,
  program: string,
  outputSchema: Record<string, unknown> | undefined,
): Pick<AgentRunResult, 'status' | 'error' | 'structuredOutput'> {
  if (outcome.spawnError !== undefined) {
    const hint = outcome.spawnError.code === 'ENOENT' ? ': is it installed and on PATH?' : '';
    return { status: 'failed', error: `cannot start "${program}" (${outcome.spawnError.message})${hint}` };
  }
  if (outcome.exitCode !== 0) {
    const how =
      outcome.exitCode === undefined
        ? `was killed by ${outcome.exitSignal}`
        : `exited with code ${outcome.exitCode}`;
    const lastLine = outcome.stderr.trim().split('\n').at(-1) ?? '';
    return { status: 'failed', error: `"${program}" ${how}${lastLine === '' ? '' : `: ${lastLine}`}` };
  }
  if (outputSchema === undefined) return { status: 'ok' };
  const parsed = parseJsonOutput(outcome.stdout);
  if (!parsed.parsed)
    return { status: 'failed', error: 'the agent output is not JSON, but an output schema was given' };
  const validation = validateStructuredOutput(parsed.value, outputSchema);
  if (!validation.valid) {
    return {
      status: 'failed',
      error: `the structured output does not match the output schema: ${validation.problems.join('; ')}`,
    };
  }
  return { status: 'ok', structuredOutput: validation.value };
}
