/**
 * The harness conformance suite (run it against any `AgentHarness`), a recording mock harness and
 * a scripted model server for tests.
 *
 * @packageDocumentation
 * @module @hyperion/harness/testing
 */
export {
  type CreateHarness,
  type HarnessConformanceScenarios,
  type HarnessConformanceOptions,
  type HarnessConformanceFailure,
} from './harness-conformance-options.js';
export type { ConformanceContext, HarnessConformanceCheck } from './conformance-context.js';
export { createConformanceWorkspace, type ConformanceWorkspace } from './conformance-workspace.js';
export { HARNESS_CONFORMANCE_CHECKS, CONFORMANCE_OUTPUT_SCHEMA } from './checks/index.js';
export { runConformanceCheck, checkHarnessConformance } from './check-harness-conformance.js';
export { runHarnessConformance } from './run-harness-conformance.js';
export {
  type ScriptedResult,
  type RecordedCall,
  type RecordingMockHarnessOptions,
  RecordingMockHarness,
} from './recording-mock-harness.js';
export { stubHarnessScenarios } from './stub-harness-scenarios.js';
export {
  findWorkingDirectory,
  type ScriptedToolCall,
  type ScriptedUsage,
  type ScriptedTurn,
  type RecordedModelRequest,
  type ScriptedTurnSource,
  startScriptedModelServer,
  type ScriptedModelServerOptions,
  type ScriptedModelServer,
  scriptedTurnsPrompt,
  findScriptedTurns,
} from './scripted-model-server/index.js';
