/**
 * The versioned Hyperion agent harness interface, the stub and command harnesses, a harness
 * registry and the conformance suite.
 *
 * @packageDocumentation
 * @module @hyperion/harness
 */
export {
  type AgentRole,
  AGENT_ROLES,
  type AgentEvent,
  type AgentBudget,
  type AgentRunRequest,
  type AgentRunStatus,
  AGENT_RUN_STATUSES,
  type AgentUsage,
  type AgentRunFallback,
  type AgentRunResult,
  HARNESS_SPECIFICATION_VERSION,
  type AgentHarnessV1,
  callResume,
  assertSupportedHarness,
} from './v1/index.js';
export {
  DEFAULT_ALLOWED_ENVIRONMENT,
  DEFAULT_SECRET_NAMES,
  REDACTED,
  collectSecretValues,
  redactSecrets,
  redactSecretsDeep,
  type AgentEnvironmentOptions,
  buildAgentEnvironment,
} from './environment/index.js';
export {
  createRunEventEmitter,
  type RunEventEmitter,
  createRunDeadline,
  describeStopReason,
  type RunStopReason,
  type RunDeadline,
} from './events/index.js';
export {
  validateStructuredOutput,
  parseJsonOutput,
  type StructuredOutputValidation,
  readStructuredOutput,
  type StructuredOutputOutcome,
} from './structured-output/index.js';
export { readStubEdits, type StubEdit, StubHarness, STUB_CANNOT_RESOLVE } from './stub/index.js';
export {
  type CommandHarnessOptions,
  CommandHarness,
  expandCommandTemplate,
  quoteForShell,
  type CommandTemplateValues,
  type ExpandedCommand,
  killProcessGroup,
} from './command/index.js';
export { type AgentCliHarnessOptions } from './agent-cli/index.js';
export { type CopilotCliHarnessOptions, COPILOT_CLI_PROFILE, CopilotCliHarness } from './copilot/index.js';
export { type ClaudeCodeHarnessOptions, CLAUDE_CODE_PROFILE, ClaudeCodeHarness } from './claude/index.js';
export { withStubFallback } from './fallback/index.js';
export {
  createHarnessRegistry,
  type HarnessFactory,
  type HarnessRegistry,
  createDefaultHarnessRegistry,
  resolveHarnessId,
  type HarnessIdSources,
  DEFAULT_HARNESS_ID,
} from './registry/index.js';
