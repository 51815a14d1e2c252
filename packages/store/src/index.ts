export { HyperionStore } from './store.js';
export type { StoreOptions, QueueTransition, QueueEntryUpdate, EntryFilter, QueueControls } from './store.js';
export type {
  RequestRecord,
  RequestStatus,
  AssignmentRecord,
  AssignmentStatus,
  NewQueueEntry,
} from './records.js';
export { MIGRATIONS, migrate, type Migration } from './migrations.js';
export * from './assignment-runs.js';
export * from './request-history.js';
export * from './replay.js';
export * from './event-log.js';
export { openStoreDatabase, translateOpenError } from './open-store-database.js';
export type { OpenStoreDatabaseOptions, StoreFileProblem } from './open-store-database.js';
export type {
  HyperionStore as HyperionStoreInterface,
  QueueStore,
  RequestStore,
  StoreReadModel,
  StoreTransaction,
  EventFilter,
  StoredSubmission,
} from './store-interface.js';
