import { HyperionError } from '@hyperion/schema';
import { HARNESS_SPECIFICATION_VERSION, type AgentHarnessV1 } from './agent-harness-v1.js';

/**
 * Returns `harness` typed as {@link AgentHarnessV1} after checking it is one.
 *
 * @throws HyperionError with code `unsupported` when it declares another `specificationVersion`,
 *   and `invalid_input` when it is not a harness object at all.
 */
export function assertSupportedHarness(harness: unknown): AgentHarnessV1 {
  if (typeof harness !== 'object' || harness === null) {
    throw new HyperionError('invalid_input', 'a harness must be an object');
  }
  const candidate = harness as Record<string, unknown>;
  if (candidate['specificationVersion'] !== HARNESS_SPECIFICATION_VERSION) {
    throw new HyperionError(
      'unsupported',
      `unsupported harness specificationVersion ${JSON.stringify(candidate['specificationVersion'])}: expected "${HARNESS_SPECIFICATION_VERSION}"`,
      { details: { specificationVersion: candidate['specificationVersion'] } },
    );
  }
  if (typeof candidate['harnessId'] !== 'string' || candidate['harnessId'] === '') {
    throw new HyperionError('invalid_input', 'a harness must have a non-empty string harnessId');
  }
  if (typeof candidate['run'] !== 'function') {
    throw new HyperionError('invalid_input', `the ${candidate['harnessId']} harness has no run method`);
  }
  if (candidate['resume'] !== undefined && typeof candidate['resume'] !== 'function') {
    throw new HyperionError(
      'invalid_input',
      `the ${candidate['harnessId']} harness's resume is not a method`,
    );
  }
  return harness as AgentHarnessV1;
}
