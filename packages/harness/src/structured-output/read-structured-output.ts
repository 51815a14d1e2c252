import type { AgentRunResult } from '../v1/agent-run-result.js';
import { parseJsonOutput, validateStructuredOutput } from './validate-structured-output.js';

/** The part of a result that reading an agent's final text as structured output decides. */
export type StructuredOutputOutcome = Pick<
  AgentRunResult,
  'status' | 'error' | 'structuredOutput' | 'unparseableOutput'
>;

/**
 * Reads `text` (the whole text, else its last line) as JSON that must satisfy `outputSchema`.
 * Without a schema the run is simply `ok`. Output that is not JSON or breaks the schema fails the
 * run with `unparseableOutput: true`, so a caller can fall back to a deterministic path.
 */
export function readStructuredOutput(
  text: string,
  outputSchema: Record<string, unknown> | undefined,
): StructuredOutputOutcome {
  if (outputSchema === undefined) return { status: 'ok' };
  const parsed = parseJsonOutput(text);
  if (!parsed.parsed) {
    return {
      status: 'failed',
      error: 'the agent output is not JSON, but an output schema was given',
      unparseableOutput: true,
    };
  }
  const validation = validateStructuredOutput(parsed.value, outputSchema);
  if (!validation.valid) {
    return {
      status: 'failed',
      error: `the structured output does not match the output schema: ${validation.problems.join('; ')}`,
      unparseableOutput: true,
    };
  }
  return { status: 'ok', structuredOutput: validation.value };
}
