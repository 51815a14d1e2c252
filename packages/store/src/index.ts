export type { HyperionStore } from './store-interface.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { StoreOptions } from './store.js';
export type {
  QueueStore,
  RequestStore,
  StoreReadModel,
  StoreTransaction,
  EventFilter,
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
  sumUsage,
  type AgentRunRole,
  type AssignmentRun,
  type NewAssignmentRun,
  type UsageTotals,
} from './assignment-runs.js';
export * from './request-history.js';
export * from './replay.js';
export * from './event-log.js';
export { openStoreDatabase, translateOpenError } from './open-store-database.js';
export type { OpenStoreDatabaseOptions, StoreFileProblem } from './open-store-database.js';
export * from './log-shipping/index.js';
export {
  backupSqliteStore,
  checkpointSqliteStore,
  integrityProblems,
  type SqliteBackupResult,
  type WalState,
} from './sqlite-maintenance.js';
