import { AsyncLocalStorage } from 'node:async_hooks';
import { HyperionError, type QueueEvent } from '@hyperion/schema';
import { listAssignmentRuns, recordAssignmentRun, storeDatabase } from './assignment-runs.js';
import { ChangeNotifier } from './change-notifier.js';
import { FifoMutex } from './fifo-mutex.js';
import { importLogIntoDatabase, listSubmissionsOf } from './sqlite-import-log.js';
import { SqliteDatabaseStore, type StoreOptions } from './store.js';
import type { HyperionStore, StoreTransaction, StoredSubmission } from './store-interface.js';

/** Options of {@link SqliteStore.open}. */
export type SqliteStoreOptions = StoreOptions;

/** How often idle {@link SqliteStore.waitForChange} callers look for other processes' commits. */
const CHANGE_POLL_MS = 25;

/** A transaction of one store that is open while its work runs. */
interface OpenTransaction {
  store: SqliteStore;
  open: boolean;
}

/** Which transaction the running code is inside (to refuse store calls that would deadlock). */
const currentTransaction = new AsyncLocalStorage<OpenTransaction>();

/**
 * The operations of {@link StoreTransaction} straight on the database: no lock is taken. `guard`
 * runs before each one (the store's lock check, or the transaction's "still open" check) and
 * `changed` after each write that changed rows (`changeCount` is SQLite's `total_changes()`, so
 * a lease attempt that found nothing wakes nobody).
 */
function operationsOn(
  database: SqliteDatabaseStore,
  guard: () => void,
  changeCount: () => number,
  changed: () => void,
): StoreTransaction {
  const read = <T>(work: () => T): Promise<T> => {
    try {
      guard();
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  const write = <T>(work: () => T): Promise<T> => {
    try {
      guard();
      const before = changeCount();
      const result = work();
      if (changeCount() !== before) changed();
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  return {
    now: () => database.now(),
    enqueue: (input) => write(() => database.enqueue(input)),
    hasSubmission: (id, taskId, patchHash) => read(() => database.hasSubmission(id, taskId, patchHash)),
    getEntry: (id) => read(() => database.getEntry(id)),
    requireEntry: (id) => read(() => database.requireEntry(id)),
    getChangeRequest: (id) => read(() => database.getChangeRequest(id)),
    listEntries: (filter) => read(() => database.listEntries(filter)),
    countByState: () => read(() => database.countByState()),
    leaseNext: (owner, leaseMs, targetBranch) =>
      write(() => database.leaseNext(owner, leaseMs, targetBranch)),
    hasPendingWork: (targetBranch) => read(() => database.hasPendingWork(targetBranch)),
    expireLeases: (now) => write(() => database.expireLeases(now)),
    renewLease: (id, owner, leaseMs) => write(() => database.renewLease(id, owner, leaseMs)),
    transition: (id, transition) => write(() => database.transition(id, transition)),
    recordEvent: (id, type, data, worker) => write(() => database.recordEvent(id, type, data, worker)),
    listEvents: (filter) => read(() => database.listEvents(filter)),
    waitForChange: () =>
      Promise.reject(
        new HyperionError('internal', 'waitForChange cannot be called inside a store transaction'),
      ),
    queueControls: () => read(() => database.queueControls()),
    setQueueControls: (controls, by) => write(() => database.setQueueControls(controls, by)),
    insertRequest: (record) => write(() => database.insertRequest(record)),
    removeFailedRequest: (id) => write(() => database.removeFailedRequest(id)),
    updateRequest: (id, status, error) => write(() => database.updateRequest(id, status, error)),
    getRequest: (id) => read(() => database.getRequest(id)),
    listRequests: (limit) => read(() => database.listRequests(limit)),
    insertAssignment: (record) => write(() => database.insertAssignment(record)),
    updateAssignment: (taskId, status, error) =>
      write(() => database.updateAssignment(taskId, status, error)),
    listAssignments: (requestId) => read(() => database.listAssignments(requestId)),
    recordAssignmentRun: (run) => write(() => recordAssignmentRun(database, run)),
    listAssignmentRuns: (filter) => read(() => listAssignmentRuns(database, filter)),
  };
}

/**
 * Hyperion's embedded store: one SQLite file in WAL mode (better-sqlite3), safe to open from
 * several processes. Every queue state transition and its `change_queue_logs` event are written in
 * one transaction.
 *
 * SQLite's calls are synchronous; this class serves them through a first-come lock of its own so
 * that while {@link SqliteStore.transaction} is open, every other call on the store waits for it
 * to end (its statements would otherwise run inside that transaction).
 */
export class SqliteStore implements HyperionStore {
  /** `sqlite`. */
  readonly kind = 'sqlite';
  /** The database file. */
  readonly location: string;
  /** The database file (the same as {@link SqliteStore.location}). */
  readonly path: string;
  private readonly database: SqliteDatabaseStore;
  private readonly lock = new FifoMutex();
  private readonly changes: ChangeNotifier;
  private readonly operations: StoreTransaction;
  private lastDataVersion: unknown;
  /** Rows this connection has changed so far (SQLite's `total_changes()`). */
  private readonly changeCount: () => number;

  private constructor(path: string, database: SqliteDatabaseStore) {
    this.location = path;
    this.path = path;
    this.database = database;
    this.lastDataVersion = database.pragma('data_version');
    this.changes = new ChangeNotifier(() => this.otherProcessCommitted(), CHANGE_POLL_MS);
    const totalChanges = storeDatabase(database).prepare('SELECT total_changes()').pluck();
    this.changeCount = () => totalChanges.get() as number;
    this.operations = operationsOn(
      database,
      () => this.refuseInsideOwnTransaction(),
      this.changeCount,
      () => this.changes.notify(),
    );
  }

  /**
   * Opens the store file and applies pending migrations. The store is the queue: by default only
   * an existing Hyperion store opens, and a missing or empty file is `store_missing`, a file that
   * is not Hyperion's store (not a database, damaged, foreign tables, a newer version) is
   * `store_corrupt`, and a read-only one is `permission_denied`, each naming the file. Pass
   * `create: true` (as `hyperion init` does) to create a new store where there is none.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, SqliteDatabaseStore.open(path, options));
  }

  /** A pragma's value (SQLite only, for diagnostics: `journal_mode`, `synchronous`, `integrity_check`). */
  pragma(name: string): unknown {
    return this.database.pragma(name);
  }

  /** @inheritdoc */
  now(): number {
    return this.database.now();
  }

  /** @inheritdoc */
  async transaction<T>(work: (transaction: StoreTransaction) => Promise<T>): Promise<T> {
    this.refuseInsideOwnTransaction();
    const release = await this.lock.acquire();
    const state: OpenTransaction = { store: this, open: true };
    const database = storeDatabase(this.database);
    try {
      database.exec('BEGIN IMMEDIATE');
      const changesBefore = this.changeCount();
      const transaction = operationsOn(
        this.database,
        () => {
          if (!state.open) {
            throw new HyperionError('internal', 'the store transaction was used after it ended');
          }
        },
        () => 0,
        () => undefined,
      );
      let result: T;
      try {
        result = await currentTransaction.run(state, () => work(transaction));
      } catch (error) {
        state.open = false;
        if (database.inTransaction) database.exec('ROLLBACK');
        throw error;
      }
      state.open = false;
      try {
        database.exec('COMMIT');
      } catch (error) {
        if (database.inTransaction) database.exec('ROLLBACK');
        throw error;
      }
      if (this.changeCount() !== changesBefore) this.changes.notify();
      return result;
    } finally {
      state.open = false;
      release();
    }
  }

  /** @inheritdoc */
  waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.changes.wait(timeoutMs, signal);
  }

  /** @inheritdoc */
  listSubmissions(): Promise<StoredSubmission[]> {
    return this.serve(() => listSubmissionsOf(this.database));
  }

  /** @inheritdoc */
  async importLog(log: {
    submissions: readonly StoredSubmission[];
    events: readonly QueueEvent[];
  }): Promise<void> {
    await this.serve(() => importLogIntoDatabase(this.database, log));
    this.changes.notify();
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    await this.lock.run(() => {
      this.changes.close();
      this.database.close();
    });
  }

  // ── QueueStore and RequestStore: each call waits for an open transaction to end ───────────

  /** @inheritdoc */
  enqueue: StoreTransaction['enqueue'] = (input) => this.serve(() => this.operations.enqueue(input));
  /** @inheritdoc */
  hasSubmission: StoreTransaction['hasSubmission'] = (id, taskId, patchHash) =>
    this.serve(() => this.operations.hasSubmission(id, taskId, patchHash));
  /** @inheritdoc */
  getEntry: StoreTransaction['getEntry'] = (id) => this.serve(() => this.operations.getEntry(id));
  /** @inheritdoc */
  requireEntry: StoreTransaction['requireEntry'] = (id) => this.serve(() => this.operations.requireEntry(id));
  /** @inheritdoc */
  getChangeRequest: StoreTransaction['getChangeRequest'] = (id) =>
    this.serve(() => this.operations.getChangeRequest(id));
  /** @inheritdoc */
  listEntries: StoreTransaction['listEntries'] = (filter) =>
    this.serve(() => this.operations.listEntries(filter));
  /** @inheritdoc */
  countByState: StoreTransaction['countByState'] = () => this.serve(() => this.operations.countByState());
  /** @inheritdoc */
  leaseNext: StoreTransaction['leaseNext'] = (owner, leaseMs, targetBranch) =>
    this.serve(() => this.operations.leaseNext(owner, leaseMs, targetBranch));
  /** @inheritdoc */
  hasPendingWork: StoreTransaction['hasPendingWork'] = (targetBranch) =>
    this.serve(() => this.operations.hasPendingWork(targetBranch));
  /** @inheritdoc */
  expireLeases: StoreTransaction['expireLeases'] = (now) =>
    this.serve(() => this.operations.expireLeases(now));
  /** @inheritdoc */
  renewLease: StoreTransaction['renewLease'] = (id, owner, leaseMs) =>
    this.serve(() => this.operations.renewLease(id, owner, leaseMs));
  /** @inheritdoc */
  transition: StoreTransaction['transition'] = (id, transition) =>
    this.serve(() => this.operations.transition(id, transition));
  /** @inheritdoc */
  recordEvent: StoreTransaction['recordEvent'] = (id, type, data, worker) =>
    this.serve(() => this.operations.recordEvent(id, type, data, worker));
  /** @inheritdoc */
  listEvents: StoreTransaction['listEvents'] = (filter) =>
    this.serve(() => this.operations.listEvents(filter));
  /** @inheritdoc */
  queueControls: StoreTransaction['queueControls'] = () => this.serve(() => this.operations.queueControls());
  /** @inheritdoc */
  setQueueControls: StoreTransaction['setQueueControls'] = (controls, by) =>
    this.serve(() => this.operations.setQueueControls(controls, by));
  /** @inheritdoc */
  insertRequest: StoreTransaction['insertRequest'] = (record) =>
    this.serve(() => this.operations.insertRequest(record));
  /** @inheritdoc */
  removeFailedRequest: StoreTransaction['removeFailedRequest'] = (id) =>
    this.serve(() => this.operations.removeFailedRequest(id));
  /** @inheritdoc */
  updateRequest: StoreTransaction['updateRequest'] = (id, status, error) =>
    this.serve(() => this.operations.updateRequest(id, status, error));
  /** @inheritdoc */
  getRequest: StoreTransaction['getRequest'] = (id) => this.serve(() => this.operations.getRequest(id));
  /** @inheritdoc */
  listRequests: StoreTransaction['listRequests'] = (limit) =>
    this.serve(() => this.operations.listRequests(limit));
  /** @inheritdoc */
  insertAssignment: StoreTransaction['insertAssignment'] = (record) =>
    this.serve(() => this.operations.insertAssignment(record));
  /** @inheritdoc */
  updateAssignment: StoreTransaction['updateAssignment'] = (taskId, status, error) =>
    this.serve(() => this.operations.updateAssignment(taskId, status, error));
  /** @inheritdoc */
  listAssignments: StoreTransaction['listAssignments'] = (requestId) =>
    this.serve(() => this.operations.listAssignments(requestId));
  /** @inheritdoc */
  recordAssignmentRun: StoreTransaction['recordAssignmentRun'] = (run) =>
    this.serve(() => this.operations.recordAssignmentRun(run));
  /** @inheritdoc */
  listAssignmentRuns: StoreTransaction['listAssignmentRuns'] = (filter) =>
    this.serve(() => this.operations.listAssignmentRuns(filter));

  /** Runs one synchronous database call in this store's turn (after any open transaction). */
  private serve<T>(work: () => T | Promise<T>): Promise<T> {
    try {
      this.refuseInsideOwnTransaction();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.lock.run(work);
  }

  /** Calling the store from inside its own transaction's work would wait for itself forever. */
  private refuseInsideOwnTransaction(): void {
    const open = currentTransaction.getStore();
    if (open !== undefined && open.open && open.store === this) {
      throw new HyperionError(
        'internal',
        'the store was called inside its own transaction; use the transaction object given to the work',
      );
    }
  }

  /** True when another connection committed since the last look (SQLite's `data_version`). */
  private otherProcessCommitted(): boolean {
    if (this.lock.held) return false; // our own transaction is open; look again later
    const version = this.database.pragma('data_version');
    const changed = version !== this.lastDataVersion;
    this.lastDataVersion = version;
    return changed;
  }
}
