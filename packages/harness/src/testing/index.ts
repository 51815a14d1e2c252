export * from './harness-conformance-options.js';
export type { ConformanceContext, HarnessConformanceCheck } from './conformance-context.js';
export * from './conformance-workspace.js';
export { HARNESS_CONFORMANCE_CHECKS, CONFORMANCE_OUTPUT_SCHEMA } from './checks/index.js';
export * from './check-harness-conformance.js';
export * from './run-harness-conformance.js';
export * from './recording-mock-harness.js';
export * from './stub-harness-scenarios.js';
export * from './scripted-model-server/index.js';
