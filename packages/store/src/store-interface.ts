import type { QueueEntry, QueueEvent, QueueEventType, QueueState } from '@hyperion/schema';
import type { AssignmentRun, NewAssignmentRun } from './assignment-runs.js';
import type {
  AssignmentRecord,
  AssignmentStatus,
  NewQueueEntry,
  RequestRecord,
  RequestStatus,
} from './records.js';
import type { SpeculationStore } from './speculation-interface.js';

/** The fields of a queue entry a transition may change besides its state. */
export type QueueEntryUpdate = Partial<
  Pick<
    QueueEntry,
    | 'attempts'
    | 'lease_expiries'
    | 'lease_owner'
    | 'lease_expires_at'
    | 'not_before'
    | 'last_error'
    | 'landed_commit'
    | 'priority'
    | 'base_commit'
  >
>;

/** A state transition of one queue entry, with the event that records it. */
export interface QueueTransition {
  /** The state the entry must be in; otherwise `invalid_state` is thrown. */
  from: QueueState | readonly QueueState[];
  /** When set, the entry's lease must still belong to this owner; otherwise `lease_lost`. */
  owner?: string;
  /** The new state. */
  to: QueueState;
  /** The event type written to `change_queue_logs`. */
  type: QueueEventType;
  /** The worker making the transition. */
  worker?: string | null;
  /** Event details. */
  data?: Record<string, unknown>;
  /** Other fields to set. */
  set?: QueueEntryUpdate;
}

/** Queue-wide switches: `paused` stops new leases; `draining` also tells workers to stop when idle. */
export interface QueueControls {
  /** True while the queue is paused: workers lease nothing new. */
  paused: boolean;
  /** True while the queue drains: workers stop once nothing is left for them. */
  draining: boolean;
}

/** Filters of {@link QueueStore.listEntries}. */
export interface EntryFilter {
  /** Only entries in one of these states. */
  states?: readonly QueueState[];
  /** Only entries of this request. */
  requestId?: string;
  /** Only entries of this task. */
  taskId?: string;
  /** Only entries that land on this branch. */
  targetBranch?: string;
  /** `queue` (default): priority, then submission; `submission`: submission order alone. */
  order?: 'queue' | 'submission';
  /** At most this many entries. */
  limit?: number;
}

/** Filters of {@link QueueStore.listEvents}. */
export interface EventFilter {
  /** Only the events of this entry. */
  entryId?: string;
  /** Only events with a larger id (to follow the log). */
  afterId?: number;
  /** At most this many, oldest first. */
  limit?: number;
  /**
   * With `limit`: the newest `limit` events that match instead of the oldest (still returned
   * oldest first), read backwards through the id index: the cost follows `limit`, never the
   * length of the log.
   */
  newest?: boolean;
}

/** Where a page of {@link QueueStore.listEventsSince} ends: the last event it returned. */
export interface EventTimeCursor {
  /** That event's time, as stored (ISO 8601). */
  at: string;
  /** That event's id. */
  id: number;
}

/** Filters of {@link QueueStore.listEventsSince}. */
export interface EventTimeFilter {
  /** Only events written at or after this time, epoch milliseconds. */
  since: number;
  /** Only events after this one in time-then-id order (the last event of the previous page). */
  after?: EventTimeCursor;
  /** At most this many. */
  limit?: number;
}

/** A submission as the event log ships it: the entry as submitted and its change request. */
export interface StoredSubmission {
  /** The entry (its current state; the log's events say how it got there). */
  entry: QueueEntry;
  /** The change request exactly as it was submitted. */
  change_request: unknown;
}

/**
 * What the merge queue needs: entries, leases, transitions with their events, and the queue's
 * controls. Every transition writes its `change_queue_logs` event in the same transaction.
 */
export interface QueueStore {
  /** Current time of the store's clock, epoch milliseconds (tests give the store a fake clock). */
  now(): number;

  /**
   * Stores a change request and its queue entry, with the `entry:enqueued` event, in one
   * transaction. Throws `duplicate` when the id, or the same task with the same patch, exists.
   */
  enqueue(input: NewQueueEntry): Promise<QueueEntry>;
  /**
   * True when a change with `id`, or the same task with the same patch, was already submitted
   * (what {@link QueueStore.enqueue} refuses as `duplicate`).
   */
  hasSubmission(id: string, taskId: string, patchHash: string): Promise<boolean>;
  /** One entry, or undefined. */
  getEntry(id: string): Promise<QueueEntry | undefined>;
  /** One entry; throws `not_found` naming the id. */
  requireEntry(id: string): Promise<QueueEntry>;
  /** The change request as it was submitted, or undefined. */
  getChangeRequest(id: string): Promise<unknown>;
  /** Entries in queue order (priority, then submission) or submission order, filtered. */
  listEntries(filter?: EntryFilter): Promise<QueueEntry[]>;
  /** How many entries are in each state (states with none are absent). */
  countByState(): Promise<Partial<Record<QueueState, number>>>;
  /**
   * The unfinished entries (`queued`, `running`, `awaiting_approval`) of `targetBranch` that touch
   * at least one of `paths`, in submission order: what a new piece of work on those files would
   * land after. Index-backed (the file index of the entries holding their files, plus the few
   * entries awaiting approval), so its cost follows the entries on those files, not the backlog.
   */
  listUnfinishedEntriesOnPaths(targetBranch: string, paths: readonly string[]): Promise<QueueEntry[]>;

  /**
   * Leases the next runnable entry for `owner` for `leaseMs`, after returning expired leases to
   * the queue; undefined when nothing is runnable or the queue is paused or draining. Among the
   * runnable entries the highest priority wins, then the earliest submission. An entry is runnable
   * when it is `queued`, its `not_before` has passed, and nothing holds it:
   * - a running entry with a common path (two workers never work on the same file at once);
   * - an earlier-submitted `queued` entry with a common path, even one waiting out a retry
   *   backoff: an entry never overtakes an earlier one on the same file, so stacked changes land
   *   in submission order (a higher priority does not jump such an entry either);
   * - an entry it depends on (`depends_on`) that has not finished. An entry awaiting approval
   *   holds only the entries stacked on it, not every later entry on its paths.
   * The cost must not grow with the number of queued entries.
   */
  leaseNext(owner: string, leaseMs: number, targetBranch?: string): Promise<QueueEntry | undefined>;
  /**
   * True while some entry (of `targetBranch`, when given) is running, or is queued and will become
   * runnable without a person: not held, directly or through the entries that hold it, by an
   * entry awaiting approval. A queue whose only waiting work hangs on an approval is drained.
   */
  hasPendingWork(targetBranch?: string): Promise<boolean>;
  /**
   * Returns expired leases to the queue (`entry:lease_expired`): the attempt is given back and
   * counted in `lease_expiries` instead (promise 9). Returns the entries returned.
   */
  expireLeases(now?: number): Promise<QueueEntry[]>;
  /** Extends the lease when `owner` still holds it; false when the lease was lost. */
  renewLease(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Moves an entry from `transition.from` to `transition.to` and writes the event, in one
   * transaction. Throws `not_found`, `invalid_state` (wrong state) or `lease_lost` (owner given
   * and the lease is someone else's).
   */
  transition(id: string, transition: QueueTransition): Promise<QueueEntry>;
  /** Records an event that does not change the entry's state (check results, applied…). */
  recordEvent(
    id: string,
    type: QueueEventType,
    data?: Record<string, unknown>,
    worker?: string | null,
  ): Promise<void>;
  /** Events in id order, filtered. */
  listEvents(filter?: EventFilter): Promise<QueueEvent[]>;
  /**
   * The events written at or after `filter.since`, oldest first by time, then id (the order a
   * page continues in, with `after`). Read through an index on the event time: the cost follows
   * the events returned, never the length of the whole log.
   */
  listEventsSince(filter: EventTimeFilter): Promise<QueueEvent[]>;

  /**
   * Resolves when the queue may have changed (an entry enqueued or finished, a lease ended, a
   * control flag set, by this process or another) or after `timeoutMs`, whichever is first; at
   * once when `signal` is aborted. Idle workers wait here instead of polling the entries
   * (PostgreSQL: `LISTEN/NOTIFY`; SQLite: its cheap change counter).
   */
  waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void>;

  /** The queue's control flags, shared by every process on this store. */
  queueControls(): Promise<QueueControls>;
  /** Sets control flags (who and when are kept with them); returns the flags now in force. */
  setQueueControls(controls: Partial<QueueControls>, by?: string | null): Promise<QueueControls>;
}

/** What the request pipeline needs: requests, their assignments and the agent runs of both. */
export interface RequestStore {
  /** Stores a new request. Throws `duplicate` when the id exists. */
  insertRequest(record: { id: string; summary: string; status: RequestStatus; body: unknown }): Promise<void>;
  /**
   * Forgets a request that failed before anything was enqueued (its assignments too), so the
   * same request id can be submitted again. Refuses (`invalid_state`) requests with queue entries.
   */
  removeFailedRequest(id: string): Promise<void>;
  /** Sets a request's status (and error). */
  updateRequest(id: string, status: RequestStatus, error?: string | null): Promise<void>;
  /** One request, or undefined. */
  getRequest(id: string): Promise<RequestRecord | undefined>;
  /** The newest requests first. */
  listRequests(limit?: number): Promise<RequestRecord[]>;
  /** Stores a new assignment. */
  insertAssignment(record: {
    task_id: string;
    request_id: string;
    summary: string;
    status: AssignmentStatus;
    body: unknown;
  }): Promise<void>;
  /** Sets an assignment's status (and error). */
  updateAssignment(taskId: string, status: AssignmentStatus, error?: string | null): Promise<void>;
  /** The assignments of a request, in creation order. */
  listAssignments(requestId: string): Promise<AssignmentRecord[]>;
  /** Records one agent run (its attempt number is the next for its assignment); returns its id. */
  recordAssignmentRun(run: NewAssignmentRun): Promise<number>;
  /** The runs of a request, or of one assignment, oldest first. */
  listAssignmentRuns(filter: { requestId?: string; taskId?: string }): Promise<AssignmentRun[]>;
}

/**
 * What a dashboard or a report reads: never writes. A store hands it out as itself; a read replica
 * could stand behind it.
 */
export type StoreReadModel = Pick<
  QueueStore,
  | 'now'
  | 'getEntry'
  | 'requireEntry'
  | 'getChangeRequest'
  | 'listEntries'
  | 'countByState'
  | 'listEvents'
  | 'listEventsSince'
  | 'queueControls'
> &
  Pick<RequestStore, 'getRequest' | 'listRequests' | 'listAssignments' | 'listAssignmentRuns'>;

/** The store's operations inside one transaction (see {@link HyperionStore.transaction}). */
export type StoreTransaction = QueueStore & RequestStore;

/**
 * A Hyperion store: the queue, the request pipeline's records and the event log, durable and safe
 * to share between processes. `@hyperion/store` implements it on SQLite ({@link SqliteStore});
 * `@hyperion/store-postgres` on PostgreSQL. Both pass the conformance suite exported from
 * `@hyperion/store/testing`. Besides the queue and the request pipeline it holds the speculation
 * that worker processes share ({@link SpeculationStore}): candidates in flight and build turns.
 */
export interface HyperionStore extends QueueStore, RequestStore, SpeculationStore {
  /** Which engine this is, for messages and `hyperion doctor`: `sqlite` or `postgres`. */
  readonly kind: string;
  /** Where the store lives, for messages: a file path, or a database URL without its password. */
  readonly location: string;
  /**
   * Runs `work` in one write transaction and returns its result: everything it does through
   * `transaction` commits together or not at all (a throw rolls back). Inside `work`, use only
   * the given `transaction` object, never the store itself (a store may wait for the transaction
   * to end before it serves other calls).
   */
  transaction<T>(work: (transaction: StoreTransaction) => Promise<T>): Promise<T>;
  /** Every submission with its change request, in submission order (for exporting the log). */
  listSubmissions(): Promise<StoredSubmission[]>;
  /**
   * Fills an empty store from an exported log: the submissions and their events, exactly as
   * given (ids, times and states). Throws `invalid_state` when the store already holds a queue.
   */
  importLog(log: { submissions: readonly StoredSubmission[]; events: readonly QueueEvent[] }): Promise<void>;
  /**
   * Frees the space of finished entries (states in {@link PRUNABLE_STATES}) last changed before
   * `finishedBefore`: their patch and change request body are emptied; their events stay, unless
   * `deleteEntries` is set, which deletes the entries and their events too (keep shipped segments
   * as the archive). Entries an unfinished entry is stacked on are kept whole. One transaction.
   */
  pruneFinished(options: PruneOptions): Promise<PruneResult>;
  /**
   * Events in id order after `filter.afterId`, like {@link QueueStore.listEvents}, but never past
   * an event id that a transaction still open may yet commit: a follower (a log shipper) that
   * continues after the last id it saw then misses nothing. On SQLite, where one transaction
   * writes at a time, that is every committed event; on PostgreSQL, ids are drawn before commit,
   * so the read waits for the transactions writing events to end first.
   */
  listCommittedEvents(filter?: { afterId?: number; limit?: number }): Promise<QueueEvent[]>;
  /** Closes the store's connections. */
  close(): Promise<void>;
}

/**
 * States of entries {@link HyperionStore.pruneFinished} may prune: those that never run again.
 * Quarantined and conflicted entries are kept (a person may retry them).
 */
export const PRUNABLE_STATES = [
  'landed',
  'rolled_back',
  'rejected',
  'cancelled',
  'dry-run-passed',
  'dry-run-failed',
] as const;

/** Options of {@link HyperionStore.pruneFinished}. */
export interface PruneOptions {
  /** Epoch milliseconds: only entries last changed before it are pruned. */
  finishedBefore: number;
  /** Delete the entries and their events as well, not only their payloads. */
  deleteEntries?: boolean;
}

/** What {@link HyperionStore.pruneFinished} pruned. */
export interface PruneResult {
  /** The entries pruned, in submission order. */
  entries: string[];
  /** Events deleted (0 unless `deleteEntries`). */
  events: number;
}
