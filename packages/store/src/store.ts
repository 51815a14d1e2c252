import type Database from 'better-sqlite3';
import {
  HyperionError,
  parseWithSchema,
  QueueEntrySchema,
  redactSecrets,
  secretValuesOf,
  type QueueEntry,
  type QueueEvent,
  type QueueEventType,
  type QueueState,
} from '@hyperion/schema';
import { eventDataJson } from './event-data.js';
import { openStoreDatabase } from './open-store-database.js';
import type {
  EntryFilter,
  EventFilter,
  EventTimeFilter,
  QueueControls,
  QueueEntryUpdate,
  QueueTransition,
} from './store-interface.js';
import type {
  AssignmentRecord,
  AssignmentStatus,
  NewQueueEntry,
  RequestRecord,
  RequestStatus,
} from './records.js';
import { QueueBlockers } from './queue-blockers.js';
import {
  entryFromRow,
  entryFromWrittenRow,
  eventFromRow,
  type QueueEntryRow,
  type QueueEventRow,
} from './rows.js';

/** Options of `SqliteStore.open` (exported as `SqliteStoreOptions` too). */
export interface StoreOptions {
  /** How long to wait for another process's write lock (default 10 s). */
  busyTimeoutMs?: number;
  /**
   * SQLite `synchronous` setting (default `FULL`: every commit is durable across power loss,
   * not only across process crashes).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Clock in epoch milliseconds (tests pass a fake one). */
  clock?: () => number;
  /**
   * Create the store when the file is missing or empty (default false: a missing or empty store
   * is an error, never an empty queue).
   */
  create?: boolean;
}

const UPDATABLE_COLUMNS = [
  'attempts',
  'lease_expiries',
  'lease_owner',
  'lease_expires_at',
  'not_before',
  'last_error',
  'landed_commit',
  'priority',
  'base_commit',
] as const;

/**
 * The synchronous SQLite store behind {@link SqliteStore} (internal: not exported from the package):
 * one SQLite file in WAL mode. Every queue state transition and its `change_queue_logs` event are
 * written in one transaction. Safe to open from several processes.
 */
export class SqliteDatabaseStore {
  /** The database file. */
  readonly path: string;
  private readonly database: Database.Database;
  private readonly clock: () => number;
  /** Values of this process's secret variables: redacted from every event and `last_error` (promise 11). */
  private readonly secretValues = secretValuesOf(process.env);
  /** Statements of the hot path, prepared once per connection (see {@link prepared}). */
  private readonly statements = new Map<string, Database.Statement>();
  /** Keeps each entry's `blockers` count, which leasing reads through an index. */
  private readonly blockers: QueueBlockers;
  /**
   * Runs its argument in one immediate transaction (a savepoint inside an open one): one
   * better-sqlite3 transaction function for the life of the connection, not a new one per call.
   */
  private readonly immediate: (work: () => unknown) => unknown;
  /** The UPDATE of a transition for each set of columns it writes, keyed by those columns. */
  private readonly transitionUpdates = new Map<string, Database.Statement>();
  /** {@link isoNow}'s last answer and the clock reading it is for (one Date a millisecond). */
  private isoAt = Number.NaN;
  private iso = '';

  private constructor(path: string, database: Database.Database, clock: () => number) {
    this.path = path;
    this.database = database;
    this.clock = clock;
    this.blockers = new QueueBlockers(database);
    this.immediate = database.transaction((work: () => unknown) => work()).immediate;
  }

  /**
   * Opens the store file and applies pending migrations. The store is the queue: by default only
   * an existing Hyperion store opens, and a missing or empty file is `store_missing`, a file that
   * is not Hyperion's store (not a database, damaged, foreign tables, a newer version) is
   * `store_corrupt`, and a read-only one is `permission_denied`, each naming the file. Pass
   * `create: true` (as `hyperion init` does) to create a new store where there is none.
   */
  static open(path: string, options: StoreOptions = {}): SqliteDatabaseStore {
    const database = openStoreDatabase(path, {
      create: options.create === true,
      busyTimeoutMs: options.busyTimeoutMs ?? 10_000,
      synchronous: options.synchronous ?? 'FULL',
    });
    return new SqliteDatabaseStore(path, database, options.clock ?? Date.now);
  }

  /** True until {@link close}. */
  isOpen(): boolean {
    return this.database.open;
  }

  /** Closes the database connection. */
  close(): void {
    if (this.database.open) this.database.close();
  }

  /** Current time of the store's clock, epoch milliseconds. */
  now(): number {
    return this.clock();
  }

  /** Runs `work` in one immediate (write-locking) transaction. */
  transaction<T>(work: () => T): T {
    return this.immediate(work) as T;
  }

  /** A pragma's value (for diagnostics: `journal_mode`, `synchronous`, `integrity_check`). */
  pragma(name: string): unknown {
    return this.database.pragma(name, { simple: true });
  }

  // ── requests and assignments ────────────────────────────────────────────────────────────

  /** Stores a new request. Throws `duplicate` when the id exists. */
  insertRequest(record: { id: string; summary: string; status: RequestStatus; body: unknown }): void {
    const timestamp = this.isoNow();
    try {
      this.prepared(
        'INSERT INTO requests (id, summary, status, error, body, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?, ?)',
      ).run(record.id, record.summary, record.status, JSON.stringify(record.body), timestamp, timestamp);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new HyperionError('duplicate', `request '${record.id}' was already submitted`, {
          details: { requestId: record.id },
        });
      }
      throw error;
    }
  }

  /**
   * Forgets a request that failed before anything was enqueued (its assignments too), so the
   * same request id can be submitted again. Refuses requests that have queue entries.
   */
  removeFailedRequest(id: string): void {
    this.transaction(() => {
      const request = this.getRequest(id);
      if (request === undefined) return;
      const entries = this.prepared('SELECT COUNT(*) AS count FROM queue_entries WHERE request_id = ?').get(
        id,
      ) as {
        count: number;
      };
      if (request.status !== 'failed' || entries.count > 0) {
        throw new HyperionError(
          'invalid_state',
          `request '${id}' is ${request.status} and cannot be replaced`,
          {
            details: { id, status: request.status },
          },
        );
      }
      this.prepared('DELETE FROM assignments WHERE request_id = ?').run(id);
      this.prepared('DELETE FROM requests WHERE id = ?').run(id);
    });
  }

  /** Sets a request's status (and error). */
  updateRequest(id: string, status: RequestStatus, error: string | null = null): void {
    this.prepared('UPDATE requests SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(
      status,
      error,
      this.isoNow(),
      id,
    );
  }

  /** One request, or undefined. */
  getRequest(id: string): RequestRecord | undefined {
    const row = this.prepared('SELECT * FROM requests WHERE id = ?').get(id) as
      (Omit<RequestRecord, 'body'> & { body: string }) | undefined;
    return row === undefined ? undefined : { ...row, body: JSON.parse(row.body) as unknown };
  }

  /** The newest requests first. */
  listRequests(limit = 100): RequestRecord[] {
    const rows = this.prepared('SELECT * FROM requests ORDER BY created_at DESC, rowid DESC LIMIT ?').all(
      limit,
    ) as Array<Omit<RequestRecord, 'body'> & { body: string }>;
    return rows.map((row) => ({ ...row, body: JSON.parse(row.body) as unknown }));
  }

  /** Stores a new assignment. */
  insertAssignment(record: {
    task_id: string;
    request_id: string;
    summary: string;
    status: AssignmentStatus;
    body: unknown;
  }): void {
    const timestamp = this.isoNow();
    this.prepared(
      'INSERT INTO assignments (task_id, request_id, summary, status, error, body, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)',
    ).run(
      record.task_id,
      record.request_id,
      record.summary,
      record.status,
      JSON.stringify(record.body),
      timestamp,
      timestamp,
    );
  }

  /** Sets an assignment's status (and error). */
  updateAssignment(taskId: string, status: AssignmentStatus, error: string | null = null): void {
    this.prepared('UPDATE assignments SET status = ?, error = ?, updated_at = ? WHERE task_id = ?').run(
      status,
      error,
      this.isoNow(),
      taskId,
    );
  }

  /** The assignments of a request, in creation order. */
  listAssignments(requestId: string): AssignmentRecord[] {
    const rows = this.prepared('SELECT * FROM assignments WHERE request_id = ? ORDER BY rowid').all(
      requestId,
    ) as Array<Omit<AssignmentRecord, 'body'> & { body: string }>;
    return rows.map((row) => ({ ...row, body: JSON.parse(row.body) as unknown }));
  }

  // ── the queue ───────────────────────────────────────────────────────────────────────────

  /**
   * Stores a change request and its queue entry, with the `entry:enqueued` event, in one
   * transaction. Throws `duplicate` when the id, or the same task with the same patch, exists.
   */
  enqueue(input: NewQueueEntry): QueueEntry {
    return this.transaction(() => {
      const timestamp = this.isoNow();
      const state = input.state ?? 'queued';
      // The unique indexes of change_requests are the duplicate check: only a refused insert
      // looks up what it collided with.
      try {
        this.prepared(
          'INSERT INTO change_requests (id, task_id, request_id, agent, patch_hash, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(
          input.id,
          input.task_id,
          input.request_id,
          input.agent,
          input.patch_hash,
          JSON.stringify(input.change_request),
          timestamp,
        );
      } catch (error) {
        if (isUniqueViolation(error)) this.refuseDuplicate(input);
        throw error;
      }
      const inserted = this.prepared(
        `INSERT INTO queue_entries (id, task_id, request_id, agent, summary, state, priority, attempts, max_attempts,
             target_branch, paths, patch, patch_hash, base_commit, checks, depends_on, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        input.id,
        input.task_id,
        input.request_id,
        input.agent,
        input.summary,
        state,
        input.priority,
        input.max_attempts,
        input.target_branch,
        JSON.stringify(input.paths),
        input.patch,
        input.patch_hash,
        input.base_commit,
        JSON.stringify(input.checks),
        JSON.stringify(input.depends_on ?? []),
        timestamp,
        timestamp,
      );
      this.blockers.added({
        id: input.id,
        sequence: inserted.lastInsertRowid,
        state,
        target_branch: input.target_branch,
        paths: input.paths,
        depends_on: input.depends_on ?? [],
      });
      this.insertEvent(input.id, 'entry:enqueued', null, state, null, {
        task_id: input.task_id,
        request_id: input.request_id,
        paths: input.paths,
        patch_hash: input.patch_hash,
        ...(input.depends_on !== undefined && input.depends_on.length > 0
          ? { depends_on: input.depends_on }
          : {}),
        ...input.event_data,
      });
      // Built from what was written (no read back), validated as every entry the store returns.
      return parseWithSchema(
        QueueEntrySchema,
        {
          id: input.id,
          task_id: input.task_id,
          request_id: input.request_id,
          agent: input.agent,
          summary: input.summary,
          state,
          priority: input.priority,
          attempts: 0,
          max_attempts: input.max_attempts,
          lease_expiries: 0,
          depends_on: input.depends_on ?? [],
          target_branch: input.target_branch,
          paths: input.paths,
          patch: input.patch,
          patch_hash: input.patch_hash,
          base_commit: input.base_commit,
          checks: input.checks,
          lease_owner: null,
          lease_expires_at: null,
          not_before: null,
          last_error: null,
          landed_commit: null,
          created_at: timestamp,
          updated_at: timestamp,
        },
        `queue entry ${input.id}`,
      );
    });
  }

  /** Throws `duplicate` naming the change that `input` collides with (its id, or its task and patch). */
  private refuseDuplicate(input: NewQueueEntry): void {
    const sameChange = this.prepared(
      'SELECT id, task_id, patch_hash FROM change_requests WHERE id = ? OR (task_id = ? AND patch_hash = ?) ORDER BY id = ? DESC LIMIT 1',
    ).get(input.id, input.task_id, input.patch_hash, input.id) as
      { id: string; task_id: string; patch_hash: string } | undefined;
    if (sameChange !== undefined) {
      // Name the entry that exists (and its task), not the submission that collided with it.
      const what =
        sameChange.id !== input.id
          ? 'already carries this patch'
          : sameChange.patch_hash === input.patch_hash && sameChange.task_id === input.task_id
            ? 'was already submitted with this patch'
            : 'already exists with other content';
      throw new HyperionError(
        'duplicate',
        `duplicate submission: change '${sameChange.id}' of task '${sameChange.task_id}' ${what}`,
        {
          details: {
            existingChangeId: sameChange.id,
            taskId: sameChange.task_id,
            submittedTaskId: input.task_id,
          },
        },
      );
    }
  }

  /**
   * True when a change with `id`, or the same task with the same patch, was already submitted
   * (what {@link enqueue} refuses as `duplicate`).
   */
  hasSubmission(id: string, taskId: string, patchHash: string): boolean {
    return (
      this.prepared('SELECT 1 FROM change_requests WHERE id = ? OR (task_id = ? AND patch_hash = ?)').get(
        id,
        taskId,
        patchHash,
      ) !== undefined
    );
  }

  /** One entry, or undefined. */
  getEntry(id: string): QueueEntry | undefined {
    const row = this.prepared('SELECT * FROM queue_entries WHERE id = ?').get(id) as
      QueueEntryRow | undefined;
    return row === undefined ? undefined : entryFromRow(row);
  }

  /** One entry; throws `not_found` naming the id. */
  requireEntry(id: string): QueueEntry {
    const entry = this.getEntry(id);
    if (entry === undefined) {
      throw new HyperionError('not_found', `no queue entry with id '${id}'`, { details: { id } });
    }
    return entry;
  }

  /** The change request as it was submitted. */
  getChangeRequest(id: string): unknown {
    const row = this.prepared('SELECT body FROM change_requests WHERE id = ?').get(id) as
      { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as unknown);
  }

  /** Entries in queue order (priority, then submission), filtered. */
  listEntries(filter: EntryFilter = {}): QueueEntry[] {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (filter.states !== undefined && filter.states.length > 0) {
      conditions.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      parameters.push(...filter.states);
    }
    if (filter.requestId !== undefined) {
      conditions.push('request_id = ?');
      parameters.push(filter.requestId);
    }
    if (filter.taskId !== undefined) {
      conditions.push('task_id = ?');
      parameters.push(filter.taskId);
    }
    if (filter.targetBranch !== undefined) {
      conditions.push('target_branch = ?');
      parameters.push(filter.targetBranch);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.prepared(
      `SELECT * FROM queue_entries ${where} ORDER BY ${filter.order === 'submission' ? '' : 'priority DESC, '}sequence LIMIT ?`,
    ).all(...parameters, filter.limit ?? -1) as QueueEntryRow[];
    return rows.map(entryFromRow);
  }

  /**
   * The unfinished entries of `targetBranch` on any of `paths`, in submission order: those holding
   * their files through the file index (`queue_entry_paths`, `holding > 0`: queued or running), and
   * those awaiting approval (few, read through the state index) whose files meet `paths`.
   */
  listUnfinishedEntriesOnPaths(targetBranch: string, paths: readonly string[]): QueueEntry[] {
    if (paths.length === 0) return [];
    const rows = this.prepared(
      `SELECT * FROM queue_entries WHERE id IN (
         SELECT held.entry_id FROM queue_entry_paths AS held
          WHERE held.target_branch = ? AND held.holding > 0
            AND held.path IN (SELECT value FROM json_each(?))
         UNION
         SELECT waiting.id FROM queue_entries AS waiting
          WHERE waiting.state = 'awaiting_approval' AND waiting.target_branch = ?
            AND EXISTS (SELECT 1 FROM json_each(waiting.paths) AS path
                         WHERE path.value IN (SELECT value FROM json_each(?))))
       ORDER BY sequence`,
    ).all(targetBranch, JSON.stringify(paths), targetBranch, JSON.stringify(paths)) as QueueEntryRow[];
    return rows.map(entryFromRow);
  }

  /** How many entries are in each state. */
  countByState(): Record<QueueState, number> {
    const rows = this.prepared(
      'SELECT state, COUNT(*) AS count FROM queue_entries GROUP BY state',
    ).all() as Array<{ state: QueueState; count: number }>;
    const counts = {} as Record<QueueState, number>;
    for (const row of rows) counts[row.state] = row.count;
    return counts;
  }

  /**
   * Leases the next runnable entry for `owner`, after returning expired leases to the queue.
   * Among the runnable entries the highest priority wins, then the earliest submission. An entry is
   * runnable when it is `queued`, its `not_before` has passed, and nothing holds it:
   * - a running entry with a common path (two workers never work on the same file at once);
   * - an earlier-submitted `queued` entry with a common path, even one waiting out a retry backoff:
   *   an entry never overtakes an earlier one on the same file, so stacked changes land in order
   *   (a higher priority does not jump such an entry either);
   * - an entry it depends on (`depends_on`) that has not finished.
   *
   * Paths and dependencies are compared within one target branch. The rule is kept as a count per
   * entry (`blockers`, see `queue-blockers.ts`) updated by every enqueue and transition, so a lease
   * is one indexed read whatever the backlog.
   */
  leaseNext(owner: string, leaseMs: number, targetBranch?: string): QueueEntry | undefined {
    return this.transaction(() => {
      const now = this.clock();
      // One read says whether a lease has expired and whether the queue is paused or draining.
      const look = this.prepared(
        `SELECT EXISTS (SELECT 1 FROM queue_entries INDEXED BY queue_entries_lease_expiry
                        WHERE state = 'running' AND lease_expires_at < ?) AS expired,
                EXISTS (SELECT 1 FROM queue_controls
                        WHERE name IN ('paused', 'draining') AND value = 'true') AS stopped`,
      ).get(now) as { expired: number; stopped: number };
      if (look.expired === 1) this.expireLeasesWithin(now);
      if (look.stopped === 1) return undefined;
      const chosen = this.bestRunnable(now, targetBranch);
      if (chosen === undefined) return undefined;
      return this.transitionWithin(
        chosen.id,
        {
          from: 'queued',
          to: 'running',
          type: 'entry:leased',
          worker: owner,
          data: { attempt: chosen.attempts + 1, lease_ms: leaseMs },
          set: { lease_owner: owner, lease_expires_at: now + leaseMs, attempts: chosen.attempts + 1 },
        },
        chosen,
      );
    });
  }

  /**
   * True while some entry (of `targetBranch`, when given) is running, or is queued and will become
   * runnable without a person: not stacked, directly or through the entries that hold it, on an
   * entry awaiting approval. A queue whose only waiting work hangs on an approval is drained.
   *
   * Read as: some entry is running, or some queued entry has no blockers (its backoff aside).
   * That is the same thing. With an entry running both say yes. With none running, a queued
   * entry's blockers are the earlier queued entries on its files plus its unfinished
   * dependencies. One without blockers is free of people, so the first answer implies the second.
   * Conversely take the earliest queued entry that is free of people. Its dependencies are all
   * earlier than it (an entry can only depend on entries already submitted), so none of them is
   * awaiting approval, and none is queued, held or not. So it has no unfinished dependency, and
   * no earlier queued entry shares a file with it: it has no blockers.
   */
  hasPendingWork(targetBranch?: string): boolean {
    const row = (
      targetBranch === undefined
        ? this.prepared(
            `SELECT EXISTS (SELECT 1 FROM queue_entries WHERE state = 'running')
               OR EXISTS (SELECT 1 FROM queue_entries INDEXED BY queue_entries_runnable
                          WHERE state = 'queued' AND blockers = 0) AS pending`,
          ).get()
        : this.prepared(
            `SELECT EXISTS (SELECT 1 FROM queue_entries WHERE state = 'running' AND target_branch = ?)
               OR EXISTS (SELECT 1 FROM queue_entries INDEXED BY queue_entries_runnable
                          WHERE state = 'queued' AND blockers = 0 AND target_branch = ?) AS pending`,
          ).get(targetBranch, targetBranch)
    ) as { pending: number };
    return row.pending === 1;
  }

  /**
   * The runnable entry a lease takes at `now`: one read of the `queue_entries_runnable` index per
   * target branch (the given one, or each branch that has a runnable entry, found by seeking).
   */
  private bestRunnable(now: number, targetBranch: string | undefined): QueueEntryRow | undefined {
    // The whole row: the lease returns it, so it is read once here.
    const best = this.prepared(
      `SELECT * FROM queue_entries INDEXED BY queue_entries_runnable
       WHERE state = 'queued' AND blockers = 0 AND target_branch = ? AND (not_before IS NULL OR not_before <= ?)
       ORDER BY priority DESC, sequence LIMIT 1`,
    );
    type Candidate = QueueEntryRow | undefined;
    if (targetBranch !== undefined) return best.get(targetBranch, now) as Candidate;
    const nextBranch = this.prepared(
      `SELECT MIN(target_branch) AS branch FROM queue_entries INDEXED BY queue_entries_runnable
       WHERE state = 'queued' AND blockers = 0 AND target_branch > ?`,
    );
    let chosen: Candidate;
    let branch = (nextBranch.get('') as { branch: string | null }).branch;
    while (branch !== null) {
      const candidate = best.get(branch, now) as Candidate;
      if (
        candidate !== undefined &&
        (chosen === undefined ||
          candidate.priority > chosen.priority ||
          (candidate.priority === chosen.priority && candidate.sequence < chosen.sequence))
      ) {
        chosen = candidate;
      }
      branch = (nextBranch.get(branch) as { branch: string | null }).branch;
    }
    return chosen;
  }

  /**
   * Returns expired leases to the queue. The holder died or hung, which is not the change's fault
   * (promise 9): the attempt is given back and counted in `lease_expiries` instead, which has a
   * limit of its own that the next worker applies. The next worker also checks the branch first:
   * the holder may have died after landing the change and before recording it.
   */
  expireLeases(now = this.clock()): QueueEntry[] {
    return this.transaction(() => this.expireLeasesWithin(now));
  }

  /** {@link expireLeases} inside the caller's transaction. */
  private expireLeasesWithin(now: number): QueueEntry[] {
    const expired = this.prepared(
      "SELECT * FROM queue_entries INDEXED BY queue_entries_lease_expiry WHERE state = 'running' AND lease_expires_at < ?",
    ).all(now) as QueueEntryRow[];
    return expired.map((row) => {
      const reason = `lease of ${row.lease_owner ?? 'unknown worker'} expired during attempt ${row.attempts}`;
      return this.transitionWithin(row.id, {
        from: 'running',
        to: 'queued',
        type: 'entry:lease_expired',
        worker: row.lease_owner,
        data: {
          previous_owner: row.lease_owner,
          attempt: row.attempts,
          lease_expiries: row.lease_expiries + 1,
        },
        set: {
          lease_owner: null,
          lease_expires_at: null,
          last_error: reason,
          attempts: Math.max(0, row.attempts - 1),
          lease_expiries: row.lease_expiries + 1,
        },
      });
    });
  }

  /** Extends a lease held by `owner`. Returns false when the lease was lost. */
  renewLease(id: string, owner: string, leaseMs: number): boolean {
    const result = this.prepared(
      "UPDATE queue_entries SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
    ).run(this.clock() + leaseMs, this.isoNow(), id, owner);
    return result.changes === 1;
  }

  /**
   * Moves an entry from one state to another and records the event, atomically. Throws
   * `lease_lost` when `owner` no longer holds the lease and `invalid_state` when the entry is not
   * in an expected state.
   */
  transition(id: string, transition: QueueTransition): QueueEntry {
    return this.transaction(() => this.transitionWithin(id, transition));
  }

  /**
   * {@link transition} inside the caller's transaction; keeps the `blockers` counts true. `read`
   * is the entry's row when the caller has just read it (a lease, an expiry). The entry returned
   * is that row with what was written, not read back.
   */
  private transitionWithin(id: string, transition: QueueTransition, read?: QueueEntryRow): QueueEntry {
    const current =
      read ??
      (this.prepared('SELECT * FROM queue_entries WHERE id = ?').get(id) as QueueEntryRow | undefined);
    if (current === undefined) {
      throw new HyperionError('not_found', `no queue entry with id '${id}'`, { details: { id } });
    }
    const from = current.state as QueueState;
    if (transition.owner !== undefined && (from !== 'running' || current.lease_owner !== transition.owner)) {
      throw new HyperionError(
        'lease_lost',
        `worker ${transition.owner} no longer holds the lease on ${id} (state ${from}, owner ${current.lease_owner ?? 'none'})`,
        { details: { id, state: from, owner: current.lease_owner } },
      );
    }
    const allowed = typeof transition.from === 'string' ? [transition.from] : transition.from;
    if (!allowed.includes(from)) {
      throw new HyperionError('invalid_state', `entry ${id} is ${from}; expected ${allowed.join(' or ')}`, {
        details: { id, state: from, expected: allowed },
      });
    }
    const set: QueueEntryUpdate = { ...transition.set };
    if (typeof set.last_error === 'string') set.last_error = redactSecrets(set.last_error, this.secretValues);
    if (transition.to !== 'running') {
      set.lease_owner = null;
      set.lease_expires_at = null;
    }
    const assignments = UPDATABLE_COLUMNS.filter((column) => column in set);
    const values = assignments.map((column) => set[column] ?? null);
    const written = checkedUpdate(id, assignments, values);
    const updatedAt = this.isoNow();
    this.transitionUpdate(assignments).run(transition.to, updatedAt, ...values, id);
    this.insertEvent(
      id,
      transition.type,
      from,
      transition.to,
      transition.worker ?? null,
      transition.data ?? {},
    );
    if (from !== transition.to) {
      this.blockers.changed(id, current.target_branch, from, transition.to, current.blockers ?? 0);
    }
    return entryFromWrittenRow(current, { ...written, state: transition.to, updated_at: updatedAt });
  }

  /** Records an event that does not change the entry's state (check results, applied…). */
  recordEvent(
    id: string,
    type: QueueEventType,
    data: Record<string, unknown> = {},
    worker: string | null = null,
  ): void {
    this.insertEvent(id, type, null, null, worker, data);
  }

  /** The queue's control flags (`paused`, `draining`), shared by every process on this store. */
  queueControls(): QueueControls {
    const rows = this.prepared('SELECT name, value FROM queue_controls').all() as Array<{
      name: string;
      value: string;
    }>;
    const value = (name: string): boolean => rows.some((row) => row.name === name && row.value === 'true');
    return { paused: value('paused'), draining: value('draining') };
  }

  /** Sets the queue's control flags (who and when are kept with them). */
  setQueueControls(controls: Partial<QueueControls>, by: string | null = null): QueueControls {
    return this.transaction(() => {
      for (const [name, value] of Object.entries(controls)) {
        this.prepared(
          'INSERT INTO queue_controls (name, value, updated_by, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at',
        ).run(name, String(value), by, this.isoNow());
      }
      return this.queueControls();
    });
  }

  /** Events in order, optionally for one entry and after a given event id. */
  listEvents(filter: EventFilter = {}): QueueEvent[] {
    const byEntry = filter.entryId === undefined ? '' : 'AND entry_id = ?';
    // The newest `limit`: read backwards by id (the primary key, or the entry's index), then turn.
    const sql =
      filter.newest === true
        ? `SELECT * FROM (SELECT * FROM change_queue_logs WHERE id > ? ${byEntry} ORDER BY id DESC LIMIT ?) ORDER BY id`
        : `SELECT * FROM change_queue_logs WHERE id > ? ${byEntry} ORDER BY id LIMIT ?`;
    const rows = this.prepared(sql).all(
      ...(filter.entryId === undefined
        ? [filter.afterId ?? 0, filter.limit ?? -1]
        : [filter.afterId ?? 0, filter.entryId, filter.limit ?? -1]),
    ) as QueueEventRow[];
    return rows.map(eventFromRow);
  }

  /**
   * Events at or after `filter.since` in (time, id) order, through `change_queue_logs_by_time`:
   * times are stored as `toISOString()` text, whose order is the order of the times.
   */
  listEventsSince(filter: EventTimeFilter): QueueEvent[] {
    const since = new Date(filter.since).toISOString();
    const limit = filter.limit ?? -1;
    const rows = (
      filter.after === undefined
        ? this.prepared(
            'SELECT * FROM change_queue_logs INDEXED BY change_queue_logs_by_time WHERE at >= ? ORDER BY at, id LIMIT ?',
          ).all(since, limit)
        : this.prepared(
            'SELECT * FROM change_queue_logs INDEXED BY change_queue_logs_by_time WHERE at >= ? AND (at, id) > (?, ?) ORDER BY at, id LIMIT ?',
          ).all(since, filter.after.at, filter.after.id, limit)
    ) as QueueEventRow[];
    return rows.map(eventFromRow);
  }

  private insertEvent(
    entryId: string,
    type: QueueEventType,
    from: QueueState | null,
    to: QueueState | null,
    worker: string | null,
    data: Record<string, unknown>,
  ): void {
    this.prepared(
      'INSERT INTO change_queue_logs (entry_id, type, from_state, to_state, worker, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(entryId, type, from, to, worker, this.isoNow(), eventDataJson(data, this.secretValues));
  }

  /** The UPDATE of a transition that writes `columns` besides the state (prepared once per set). */
  private transitionUpdate(columns: readonly string[]): Database.Statement {
    const key = columns.join(',');
    let statement = this.transitionUpdates.get(key);
    if (statement === undefined) {
      statement = this.database.prepare(
        `UPDATE queue_entries SET state = ?, updated_at = ?${columns.map((column) => `, ${column} = ?`).join('')} WHERE id = ?`,
      );
      this.transitionUpdates.set(key, statement);
    }
    return statement;
  }

  /** The statement for `sql`, prepared on first use and kept for the life of the connection. */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private isoNow(): string {
    const at = this.clock();
    if (at !== this.isoAt) {
      this.iso = new Date(at).toISOString();
      this.isoAt = at;
    }
    return this.iso;
  }
}

/** The fields of an update that a schema constrains, checked before they are written. */
const CheckedUpdateSchema = QueueEntrySchema.pick({
  attempts: true,
  lease_expiries: true,
  lease_expires_at: true,
  not_before: true,
  landed_commit: true,
  priority: true,
  base_commit: true,
}).partial();

/** The columns an update writes, as an object; the constrained ones are validated (naming the entry). */
function checkedUpdate(
  id: string,
  columns: readonly (typeof UPDATABLE_COLUMNS)[number][],
  values: readonly unknown[],
): Partial<QueueEntry> {
  const written: Record<string, unknown> = {};
  columns.forEach((column, index) => {
    written[column] = values[index];
  });
  const constrained = columns.some((column) => column in CheckedUpdateSchema.shape);
  if (constrained) parseWithSchema(CheckedUpdateSchema, written, `queue entry ${id}`);
  return written as Partial<QueueEntry>;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT');
}
