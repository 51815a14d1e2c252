import type { HarnessConformanceScenarios } from './harness-conformance-options.js';

/**
 * How the conformance suite drives the stub harness (`StubHarness` of `@hyperion/harness`):
 * everything goes through `metadata`.
 */
export const stubHarnessScenarios: HarnessConformanceScenarios = {
  writeFile: (path, content) => ({ metadata: { edits: [{ path, operation: 'create', content }] } }),
  hang: () => ({ metadata: { hang: true } }),
  structuredOutput: (value) => ({ role: 'engineer', metadata: { structuredOutput: value } }),
  writeOutside: (path, content) => ({ metadata: { edits: [{ path, operation: 'create', content }] } }),
};
