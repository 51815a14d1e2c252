import { AsyncLocalStorage } from 'node:async_hooks';
import { HyperionError, type QueueEvent } from '@hyperion/schema';
import { listAssignmentRuns, recordAssignmentRun, storeDatabase } from './assignment-runs.js';
import { ChangeNotifier } from './change-notifier.js';
import { FifoMutex } from './fifo-mutex.js';
import { importLogIntoDatabase, listSubmissionsOf } from './sqlite-import-log.js';
import { pruneFinishedInDatabase } from './sqlite-prune.js';
import { SqliteDatabaseStore, type StoreOptions } from './store.js';
import { SqliteSpeculation } from './sqlite-speculation.js';
import { WalCheckpointer } from './wal-checkpoints.js';
import type {
  HyperionStore,
  PruneOptions,
  PruneResult,
  StoreTransaction,
  StoredSubmission,
} from './store-interface.js';
import type { SpeculationStore } from './speculation-interface.js';

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

/** The operations of {@link StoreTransaction} that run as one synchronous database call. */
type SyncOperationName = Exclude<keyof StoreTransaction, 'now' | 'waitForChange'>;

/** Each {@link StoreTransaction} operation as the synchronous call that serves it. */
type SyncOperations = {
  [Name in SyncOperationName]: (
    ...parameters: Parameters<StoreTransaction[Name]>
  ) => Awaited<ReturnType<StoreTransaction[Name]>>;
};

/** The operations straight on the database, synchronous: no lock, no promise. */
function syncOperationsOn(database: SqliteDatabaseStore): SyncOperations {
  return {
    enqueue: (input) => database.enqueue(input),
    hasSubmission: (id, taskId, patchHash) => database.hasSubmission(id, taskId, patchHash),
    getEntry: (id) => database.getEntry(id),
    requireEntry: (id) => database.requireEntry(id),
    getChangeRequest: (id) => database.getChangeRequest(id),
    listEntries: (filter) => database.listEntries(filter),
    listUnfinishedEntriesOnPaths: (targetBranch, paths) =>
      database.listUnfinishedEntriesOnPaths(targetBranch, paths),
    countByState: () => database.countByState(),
    leaseNext: (owner, leaseMs, targetBranch) => database.leaseNext(owner, leaseMs, targetBranch),
    hasPendingWork: (targetBranch) => database.hasPendingWork(targetBranch),
    expireLeases: (now) => database.expireLeases(now),
    renewLease: (id, owner, leaseMs) => database.renewLease(id, owner, leaseMs),
    transition: (id, transition) => database.transition(id, transition),
    recordEvent: (id, type, data, worker) => database.recordEvent(id, type, data, worker),
    listEvents: (filter) => database.listEvents(filter),
    listEventsSince: (filter) => database.listEventsSince(filter),
    queueControls: () => database.queueControls(),
    setQueueControls: (controls, by) => database.setQueueControls(controls, by),
    insertRequest: (record) => database.insertRequest(record),
    removeFailedRequest: (id) => database.removeFailedRequest(id),
    updateRequest: (id, status, error) => database.updateRequest(id, status, error),
    getRequest: (id) => database.getRequest(id),
    listRequests: (limit) => database.listRequests(limit),
    insertAssignment: (record) => database.insertAssignment(record),
    updateAssignment: (taskId, status, error) => database.updateAssignment(taskId, status, error),
    listAssignments: (requestId) => database.listAssignments(requestId),
    recordAssignmentRun: (run) => recordAssignmentRun(database, run),
    listAssignmentRuns: (filter) => listAssignmentRuns(database, filter),
  };
}

/** The operations that only read (the others may write, and may wake waiters when they did). */
const READ_ONLY: ReadonlySet<SyncOperationName> = new Set<SyncOperationName>([
  'hasSubmission',
  'getEntry',
  'requireEntry',
  'getChangeRequest',
  'listEntries',
  'listUnfinishedEntriesOnPaths',
  'countByState',
  'hasPendingWork',
  'listEvents',
  'listEventsSince',
  'queueControls',
  'getRequest',
  'listRequests',
  'listAssignments',
  'listAssignmentRuns',
]);

/** Runs a synchronous call as a settled promise (a throw becomes a rejection). */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** The {@link StoreTransaction} handed to a transaction's work: `guard` runs before each call. */
function transactionOperations(
  database: SqliteDatabaseStore,
  sync: SyncOperations,
  guard: () => void,
): StoreTransaction {
  const wrapped = {} as Record<SyncOperationName, (...parameters: unknown[]) => Promise<unknown>>;
  for (const name of Object.keys(sync) as SyncOperationName[]) {
    const call = sync[name] as (...parameters: unknown[]) => unknown;
    wrapped[name] = (...parameters) =>
      settle(() => {
        guard();
        return call(...parameters);
      });
  }
  return {
    ...(wrapped as unknown as Omit<StoreTransaction, 'now' | 'waitForChange'>),
    now: () => database.now(),
    waitForChange: () =>
      Promise.reject(
        new HyperionError('internal', 'waitForChange cannot be called inside a store transaction'),
      ),
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
  private readonly sync: SyncOperations;
  private readonly checkpoints: WalCheckpointer;
  private readonly speculation: SqliteSpeculation;
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
    this.sync = syncOperationsOn(database);
    this.speculation = new SqliteSpeculation(storeDatabase(database), () => database.now());
    this.checkpoints = new WalCheckpointer(() => {
      if (!this.lock.free || !database.isOpen()) return !database.isOpen();
      database.pragma('wal_checkpoint(PASSIVE)');
      return true;
    });
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
      const transaction = transactionOperations(this.database, this.sync, () => {
        if (!state.open) {
          throw new HyperionError('internal', 'the store transaction was used after it ended');
        }
      });
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
      if (this.changeCount() !== changesBefore) {
        this.changes.notify();
        this.checkpoints.wrote();
      }
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
  listCommittedEvents(filter: { afterId?: number; limit?: number } = {}): Promise<QueueEvent[]> {
    // One writer at a time: every event id visible here was committed in id order.
    return this.listEvents(filter);
  }

  /** @inheritdoc */
  async pruneFinished(options: PruneOptions): Promise<PruneResult> {
    return this.serve(() => pruneFinishedInDatabase(this.database, options), true);
  }

  /** @inheritdoc */
  listSubmissions(): Promise<StoredSubmission[]> {
    return this.serve(() => listSubmissionsOf(this.database), false);
  }

  /** @inheritdoc */
  async importLog(log: {
    submissions: readonly StoredSubmission[];
    events: readonly QueueEvent[];
  }): Promise<void> {
    await this.serve(() => importLogIntoDatabase(this.database, log), true);
    this.changes.notify();
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    await this.lock.run(() => {
      this.checkpoints.close();
      this.changes.close();
      this.database.close();
    });
  }

  // ── QueueStore and RequestStore: each call waits for an open transaction to end ───────────

  /** @inheritdoc */
  enqueue: StoreTransaction['enqueue'] = this.served('enqueue');
  /** @inheritdoc */
  hasSubmission: StoreTransaction['hasSubmission'] = this.served('hasSubmission');
  /** @inheritdoc */
  getEntry: StoreTransaction['getEntry'] = this.served('getEntry');
  /** @inheritdoc */
  requireEntry: StoreTransaction['requireEntry'] = this.served('requireEntry');
  /** @inheritdoc */
  getChangeRequest: StoreTransaction['getChangeRequest'] = this.served('getChangeRequest');
  /** @inheritdoc */
  listEntries: StoreTransaction['listEntries'] = this.served('listEntries');
  /** @inheritdoc */
  listUnfinishedEntriesOnPaths: StoreTransaction['listUnfinishedEntriesOnPaths'] = this.served(
    'listUnfinishedEntriesOnPaths',
  );
  /** @inheritdoc */
  countByState: StoreTransaction['countByState'] = this.served('countByState');
  /** @inheritdoc */
  leaseNext: StoreTransaction['leaseNext'] = this.served('leaseNext');
  /** @inheritdoc */
  hasPendingWork: StoreTransaction['hasPendingWork'] = this.served('hasPendingWork');
  /** @inheritdoc */
  expireLeases: StoreTransaction['expireLeases'] = this.served('expireLeases');
  /** @inheritdoc */
  renewLease: StoreTransaction['renewLease'] = this.served('renewLease');
  /** @inheritdoc */
  transition: StoreTransaction['transition'] = this.served('transition');
  /** @inheritdoc */
  recordEvent: StoreTransaction['recordEvent'] = this.served('recordEvent');
  /** @inheritdoc */
  listEvents: StoreTransaction['listEvents'] = this.served('listEvents');
  listEventsSince: StoreTransaction['listEventsSince'] = this.served('listEventsSince');
  /** @inheritdoc */
  queueControls: StoreTransaction['queueControls'] = this.served('queueControls');
  /** @inheritdoc */
  setQueueControls: StoreTransaction['setQueueControls'] = this.served('setQueueControls');
  /** @inheritdoc */
  insertRequest: StoreTransaction['insertRequest'] = this.served('insertRequest');
  /** @inheritdoc */
  removeFailedRequest: StoreTransaction['removeFailedRequest'] = this.served('removeFailedRequest');
  /** @inheritdoc */
  updateRequest: StoreTransaction['updateRequest'] = this.served('updateRequest');
  /** @inheritdoc */
  getRequest: StoreTransaction['getRequest'] = this.served('getRequest');
  /** @inheritdoc */
  listRequests: StoreTransaction['listRequests'] = this.served('listRequests');
  /** @inheritdoc */
  insertAssignment: StoreTransaction['insertAssignment'] = this.served('insertAssignment');
  /** @inheritdoc */
  updateAssignment: StoreTransaction['updateAssignment'] = this.served('updateAssignment');
  /** @inheritdoc */
  listAssignments: StoreTransaction['listAssignments'] = this.served('listAssignments');
  /** @inheritdoc */
  recordAssignmentRun: StoreTransaction['recordAssignmentRun'] = this.served('recordAssignmentRun');
  /** @inheritdoc */
  listAssignmentRuns: StoreTransaction['listAssignmentRuns'] = this.served('listAssignmentRuns');

  // ── SpeculationStore: the same turn of the store as every other call ──────────────────────

  /** @inheritdoc */
  publishCandidate: SpeculationStore['publishCandidate'] = (candidate, ttlMs) =>
    this.serve(() => this.speculation.publishCandidate(candidate, ttlMs), true);
  /** @inheritdoc */
  withdrawCandidate: SpeculationStore['withdrawCandidate'] = (targetBranch, commit) =>
    this.serve(() => this.speculation.withdrawCandidate(targetBranch, commit), true);
  /** @inheritdoc */
  renewCandidates: SpeculationStore['renewCandidates'] = (targetBranch, commits, ttlMs) =>
    this.serve(() => this.speculation.renewCandidates(targetBranch, commits, ttlMs), true);
  /** @inheritdoc */
  listCandidates: SpeculationStore['listCandidates'] = (targetBranch) =>
    this.serve(() => this.speculation.listCandidates(targetBranch), false);
  /** @inheritdoc */
  enterBuildTurn: SpeculationStore['enterBuildTurn'] = (line, owner, ttlMs) =>
    this.serve(() => this.speculation.enterBuildTurn(line, owner, ttlMs), true);
  /** @inheritdoc */
  checkBuildTurn: SpeculationStore['checkBuildTurn'] = (line, ticket, ttlMs) =>
    this.serve(() => this.speculation.checkBuildTurn(line, ticket, ttlMs), true);
  /** @inheritdoc */
  leaveBuildTurn: SpeculationStore['leaveBuildTurn'] = (line, ticket) =>
    this.serve(() => this.speculation.leaveBuildTurn(line, ticket), true);
  /** @inheritdoc */
  waitForSpeculationChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.changes.wait(timeoutMs, signal);
  }

  /** The store's method for operation `name`: {@link SqliteStore.serve} of its synchronous call. */
  private served<Name extends SyncOperationName>(name: Name): StoreTransaction[Name] {
    const writes = !READ_ONLY.has(name);
    return ((...parameters: unknown[]) =>
      this.serve(
        () => (this.sync[name] as (...values: unknown[]) => unknown)(...parameters),
        writes,
      )) as unknown as StoreTransaction[Name];
  }

  /**
   * Runs one synchronous database call in this store's turn: at once when no transaction is open
   * and nobody waits (the call cannot interleave with anything, being synchronous), otherwise
   * after the calls ahead of it. A write that changed rows wakes this process's waiters.
   */
  private serve<T>(work: () => T, writes: boolean): Promise<T> {
    if (this.lock.free) return this.runNow(work, writes);
    try {
      this.refuseInsideOwnTransaction();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.lock.run(() => this.runNow(work, writes));
  }

  /** {@link SqliteStore.serve} once it is this call's turn. */
  private runNow<T>(work: () => T, writes: boolean): Promise<T> {
    if (!writes) return settle(work);
    return settle(() => {
      // Only this process's waiters hear of a write, so with none there is nothing to count.
      const watched = this.changes.waiting;
      const before = watched ? this.changeCount() : 0;
      const result = work();
      if (watched && this.changeCount() !== before) this.changes.notify();
      this.checkpoints.wrote();
      return result;
    });
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
