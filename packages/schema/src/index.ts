/**
 * Zod schemas, inferred types, JSON Schema export and the HyperionError base for every Hyperion
 * wire format.
 *
 * @packageDocumentation
 * @module @hyperion/schema
 */
export {
  HYPERION_ERROR_CODES,
  type HyperionErrorCode,
  type HyperionErrorOptions,
  HyperionError,
} from './errors.js';
export { unsafePathReason, RepoPathSchema } from './paths.js';
export {
  controlCharacterReason,
  printable,
  printableBlock,
  printableJson,
  PrintableNameSchema,
} from './control-characters.js';
export { formatIssuePath, parseWithSchema, parseJsonText } from './parse.js';
export { locateJsonSyntaxError, type JsonSyntaxProblem } from './json-syntax-error.js';
export {
  IdentifierSchema,
  CommitIdSchema,
  FILE_OPERATIONS,
  FileOperationSchema,
  type FileOperation,
} from './common.js';
export {
  RequestedChangeSchema,
  type RequestedChange,
  TaskRequestSchema,
  type TaskRequest,
  type TaskRequestInput,
} from './task-request.js';
export {
  RequestBudgetSchema,
  type RequestBudget,
  PartialFailurePolicySchema,
  type PartialFailurePolicy,
  effectiveRequestBudget,
} from './request-budget.js';
export { TaskAssignmentSchema, type TaskAssignment } from './task-assignment.js';
export {
  FileChangeSchema,
  type FileChange,
  ChangeRequestSchema,
  type ChangeRequest,
} from './change-request.js';
export {
  isTerminalQueueState,
  QUEUE_STATES,
  QueueStateSchema,
  type QueueState,
  TERMINAL_QUEUE_STATES,
  QueueEntrySchema,
  type QueueEntry,
} from './queue-entry.js';
export {
  QUEUE_EVENT_TYPES,
  QueueEventTypeSchema,
  type QueueEventType,
  QueueEventSchema,
  type QueueEvent,
} from './queue-event.js';
export {
  CheckConfigSchema,
  type CheckConfig,
  CheckEnvironmentConfigSchema,
  type CheckEnvironmentConfig,
  MERGE_STRATEGY_NAMES,
  type MergeStrategyName,
  QueueStrategyConfigSchema,
  type QueueStrategyConfig,
  QueueConfigSchema,
  AgentConfigSchema,
  PolicyConfigSchema,
  OrchestratorConfigSchema,
  StoreConfigSchema,
  HyperionConfigSchema,
  type HyperionConfig,
  type HyperionConfigInput,
} from './config.js';
export {
  ALERT_EVENT_NAMES,
  type AlertEventName,
  AlertTargetSchema,
  type AlertTarget,
  webhookUrlProblem,
} from './alerts-config.js';
export {
  ResolverTierConfigSchema,
  type ResolverTierConfig,
  RedispatchTierConfigSchema,
  type RedispatchTierConfig,
  ConflictTiersConfigSchema,
  type ConflictTiersConfig,
} from './conflict-tiers-config.js';
export { remoteNameProblem } from './remote-name.js';
export { storeUrlProblem, storeUrlLocation } from './store-url.js';
export {
  isWireSchemaName,
  toJsonSchema,
  WIRE_SCHEMAS,
  type WireSchemaName,
  WIRE_SCHEMA_NAMES,
} from './json-schema.js';
export {
  isSecretName,
  secretValuesOf,
  DEFAULT_SECRET_NAMES,
  DEFAULT_ALLOWED_ENVIRONMENT,
  SECRET_NAME_PATTERN,
  MINIMUM_SECRET_LENGTH,
  buildMinimalEnvironment,
  collectSecretValues,
  type MinimalEnvironmentOptions,
  buildCheckEnvironment,
  DEFAULT_CHECK_ENVIRONMENT,
  type CheckEnvironmentSettings,
  redactSecretValues,
  redactSecrets,
  redactDeep,
  redactSecretsDeep,
  REDACTED,
  SECRET_TOKEN_PATTERNS,
} from './environment/index.js';
export { reachFaultPoint, FAULT_POINTS_VARIABLE, FAULT_POINT_MARKER } from './fault-points.js';
