import { isDeepStrictEqual } from 'node:util';
import { validateStructuredOutput } from '../../structured-output/validate-structured-output.js';
import type { HarnessConformanceCheck } from '../conformance-context.js';
import { runWithBound } from '../run-with-bound.js';

/** The schema every structured-output run of the suite asks for. */
export const CONFORMANCE_OUTPUT_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: { title: { type: 'string' }, count: { type: 'integer' } },
  required: ['title', 'count'],
  additionalProperties: false,
};

/** Output that satisfies the schema is returned parsed; output that breaks it fails the run. */
export const structuredOutputCheck: HarnessConformanceCheck = {
  name: 'structured-output',
  description:
    'returns structured output that satisfies the output schema, and fails the run when it does not',
  async run({ harness, options, request }) {
    const problems: string[] = [];
    const valid = { title: 'conformance', count: 3 };
    const good = await runWithBound(
      harness,
      request({ ...options.scenarios.structuredOutput(valid), outputSchema: CONFORMANCE_OUTPUT_SCHEMA }),
      options.runBoundMs,
    );
    if (!good.ended) problems.push(`with valid output: ${good.reason}`);
    else if (good.result.status !== 'ok') {
      problems.push(`valid output ended with status ${good.result.status}: ${good.result.error ?? ''}`);
    } else if (!isDeepStrictEqual(good.result.structuredOutput, valid)) {
      problems.push(
        `structuredOutput is ${JSON.stringify(good.result.structuredOutput)}, not ${JSON.stringify(valid)}`,
      );
    }
    const bad = await runWithBound(
      harness,
      request({
        ...options.scenarios.structuredOutput({ title: 7 }),
        outputSchema: CONFORMANCE_OUTPUT_SCHEMA,
      }),
      options.runBoundMs,
    );
    if (!bad.ended) problems.push(`with invalid output: ${bad.reason}`);
    else if (bad.result.status !== 'failed') {
      const validation = validateStructuredOutput(bad.result.structuredOutput, CONFORMANCE_OUTPUT_SCHEMA);
      const what = validation.valid ? 'output' : 'output that breaks the schema';
      problems.push(`${what} ended with status ${bad.result.status}, not failed`);
    }
    return problems;
  },
};
