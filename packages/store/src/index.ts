/**
 * The store interface and its conformance suite; SQLite (WAL) persistence for Hyperion:
 * migrations, requests, assignments, change requests, queue rows, leases and the change_queue_logs
 * event log.
 *
 * @packageDocumentation
 * @module @hyperion/store
 */
export type { HyperionStore } from './store-interface.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { StoreOptions } from './store.js';
export type {
  QueueStore,
  RequestStore,
  StoreReadModel,
  StoreTransaction,
  EventFilter,
  EventTimeFilter,
  EventTimeCursor,
  StoredSubmission,
  QueueTransition,
  QueueEntryUpdate,
  EntryFilter,
  QueueControls,
  PruneOptions,
  PruneResult,
} from './store-interface.js';
export { PRUNABLE_STATES } from './store-interface.js';
export type {
  SpeculationStore,
  StoredCandidate,
  NewCandidate,
  BuildTurnLine,
  BuildTurnTicket,
  BuildTurnState,
} from './speculation-interface.js';
export type {
  RequestRecord,
  RequestStatus,
  AssignmentRecord,
  AssignmentStatus,
  NewQueueEntry,
} from './records.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
export {
  cachedInputTokens,
  sumUsage,
  type AgentRunRole,
  type AssignmentRun,
  type NewAssignmentRun,
  type UsageTotals,
} from './assignment-runs.js';
export {
  requestHistory,
  type AssignmentHistory,
  type AssignmentOutcome,
  type RequestHistoryItem,
} from './request-history.js';
export {
  replayQueueState,
  compareEntries,
  compareWithLive,
  type ReplayedEntry,
  type ReplayDifference,
  REPLAYED_FIELDS,
} from './replay.js';
export {
  exportEventLog,
  parseEventLog,
  importEventLog,
  importParsedLog,
  EVENT_LOG_FORMAT,
  EVENT_LOG_VERSION,
  LoggedSubmissionSchema,
  type LogSink,
  type EventLogCounts,
  type LoggedSubmission,
  type ParsedLog,
} from './event-log.js';
export { openStoreDatabase, translateOpenError } from './open-store-database.js';
export type { OpenStoreDatabaseOptions, StoreFileProblem } from './open-store-database.js';
export {
  queueStateChecksum,
  SEGMENT_FORMAT,
  SEGMENT_VERSION,
  segmentFileName,
  parseSegment,
  type Segment,
  type SegmentHeader,
  readSegmentDirectory,
  listSegmentFiles,
  type SegmentPosition,
  shipLog,
  followLog,
  restoreShippedLog,
  type ShipLogOptions,
  type ShipLogResult,
  type FollowLogOptions,
} from './log-shipping/index.js';
export {
  backupSqliteStore,
  checkpointSqliteStore,
  integrityProblems,
  type SqliteBackupResult,
  type WalState,
} from './sqlite-maintenance.js';
export {
  percentile,
  checkShare,
  QueueMetricsAccumulator,
  computeQueueMetrics,
  readQueueMetrics,
  resolvePendingSubmissions,
  QueueMetricsFollower,
  type MetricsSnapshotOptions,
  type ReadQueueMetricsOptions,
  type QueueMetricsFollowerOptions,
  type QueueMetrics,
  type CheckMetrics,
  type NamedCheckMetrics,
  type LatencyMetrics,
} from './metrics/index.js';
