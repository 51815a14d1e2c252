/**
 * The Hyperion merge queue: leases, workers, apply/check/land by compare-and-swap, quarantine and
 * typed events.
 *
 * @packageDocumentation
 * @module @hyperion/queue
 */
export { MergeQueue } from './merge-queue.js';
export { landingTargetFor } from './landing-target.js';
export type {
  MergeQueueOptions,
  RunMode,
  RunWorkersOptions,
  RunSummary,
  RollbackResult,
} from './merge-queue.js';
export { QueueWorker, type WorkOutcome } from './worker.js';
export {
  ShellCheckRunner,
  CHECK_OUTPUT_LIMIT,
  type CheckRunner,
  type CheckRunResult,
} from './check-runner.js';
export type { QueueEvents } from './events.js';
export { prepareSubmission, newChangeId, type SubmissionContext } from './prepare-submission.js';
export type { ConflictReport, ApplyOutcome } from './apply-entry.js';
export { silentLogger, retryDelay, type QueueLogger } from './runtime.js';
export {
  hyperionPaths,
  STORE_FILE_VARIABLE,
  loadConfig,
  parseConfigText,
  initializeWorkspace,
  type HyperionPaths,
  type InitializeOptions,
} from './workspace.js';
export { patchAppliesTo } from './precheck-patch.js';
export { approveEntry, rejectEntry, cancelEntry, bumpEntry, type Actor } from './human-actions.js';
export { retryEntry, RETRYABLE_STATES } from './retry-entry.js';
export {
  planRollback,
  markRolledBack,
  rolledBackChangeId,
  ROLLBACK_TASK_PREFIX,
  ROLLBACK_PRIORITY,
  type PlannedRevert,
} from './rollback.js';
export { riskReasons } from './risk-policy.js';
export {
  pickSpeculativeBase,
  checksInFlightBesides,
  ProcessSpeculationBoard,
  type SpeculationBoard,
  type SpeculationCandidate,
  type SpeculativeBase,
} from './speculation.js';
export {
  createStrategy,
  maxCandidatesInFlight,
  bisectionConcurrency,
  strategyOf,
  batchSizeFor,
  expectedRunsPerEntry,
  SLOW_START,
  AdaptiveStrategy,
  BatchStrategy,
  SerialStrategy,
  PRIOR_FAILURE_RATE,
  VERDICT_WEIGHT,
  SLOW_VERDICT_WEIGHT,
  BATCH_AGAIN_BELOW_FAILURE_RATE,
  SERIAL_ABOVE_FAILURE_RATE,
  SERIAL_ABOVE_SLOW_FAILURE_RATE,
  SPECULATE_BELOW_FAILURE_RATE,
  type MergeStrategy,
  type CandidatePlan,
  type EntryVerdict,
} from './strategy/index.js';
export { findFirstRedPrefix, type BisectionResult } from './bisect.js';
export type { EntryOutcome } from './entry-verdicts.js';
export { StoreSpeculationBoard, type StoreSpeculationBoardOptions } from './speculation-store.js';
export { objectStoreId } from './speculation-location.js';
