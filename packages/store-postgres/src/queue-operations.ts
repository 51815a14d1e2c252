import {
  HyperionError,
  redactSecrets,
  redactSecretsDeep,
  type QueueEntry,
  type QueueEvent,
  type QueueEventType,
  type QueueState,
} from '@hyperion/schema';
import type {
  EntryFilter,
  EventFilter,
  EventTimeFilter,
  NewQueueEntry,
  QueueControls,
  QueueEntryUpdate,
  QueueTransition,
} from '@hyperion/store';
import { isUniqueViolation } from './request-operations.js';
import { applyStructureChange, changesStructure } from './queue-structure.js';
import { entryFromRow, eventFromRow, type QueueEntryRow, type QueueEventRow } from './rows.js';
import type { Session, TransactionSession } from './session.js';

/**
 * The advisory lock that orders event commits for followers: every event insert holds it shared
 * until its transaction ends; `listCommittedEvents` takes it exclusively for a moment.
 */
export const EVENT_HORIZON_LOCK = 0x48595052_0003n;

/** What every operation needs besides its session. */
export interface OperationsContext {
  /** The store's clock, epoch milliseconds. */
  clock: () => number;
  /** Values of the process's secret variables, redacted from events and `last_error`. */
  secretValues: readonly string[];
  /** The store's wait for a change (its one listening connection). */
  waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Changes heard so far, read before a lease looks at the queue (see `ChangeListener`). */
  changeCount(): number;
  /** A lease that began at `countBefore` found nothing (its caller waits next). */
  noteIdleRead(countBefore: number): void;
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

/** No leases while a control flag says so. */
const CONTROLS_ALLOW_LEASES =
  "NOT EXISTS (SELECT 1 FROM queue_controls WHERE name IN ('paused', 'draining') AND value = 'true')";

/** An event to write beside a change. */
interface NewEvent {
  entryId: string;
  type: QueueEventType;
  from: QueueState | null;
  to: QueueState | null;
  worker: string | null;
  data: Record<string, unknown>;
}

/** The queue's operations on one session (the pool, or one transaction). */
export class QueueOperations {
  constructor(
    /** The session every operation runs on: the pool, or one transaction. */
    protected readonly session: Session,
    /** The clock, the secrets to redact and the other settings every operation shares. */
    protected readonly context: OperationsContext,
  ) {}

  /** Current time of the store's clock. */
  now(): number {
    return this.context.clock();
  }

  /** The store's clock as ISO 8601. */
  protected isoNow(): string {
    return new Date(this.context.clock()).toISOString();
  }

  /**
   * Writes one event (its data redacted). The statement first takes the event-horizon lock in
   * shared mode, held until its transaction ends: `listCommittedEvents` takes it exclusively, so
   * it reads only once every transaction that drew an event id has committed or rolled back.
   */
  protected async insertEvent(session: Session, event: NewEvent): Promise<void> {
    await session.query(
      `WITH horizon AS (SELECT pg_advisory_xact_lock_shared(${EVENT_HORIZON_LOCK}))
       INSERT INTO change_queue_logs (entry_id, type, from_state, to_state, worker, at, data)
       SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text FROM horizon`,
      [
        event.entryId,
        event.type,
        event.from,
        event.to,
        event.worker,
        this.isoNow(),
        JSON.stringify(redactSecretsDeep(event.data, this.context.secretValues)),
      ],
    );
  }

  /** Stores a change request and its entry with the `entry:enqueued` event; `duplicate` when it exists. */
  enqueue(input: NewQueueEntry): Promise<QueueEntry> {
    return this.session.atomically(async (session) => {
      await session.beforeWrite(true);
      const [sameChange] = await session.query<{ id: string; task_id: string; patch_hash: string }>(
        `SELECT id, task_id, patch_hash FROM change_requests WHERE id = $1 OR (task_id = $2 AND patch_hash = $3)
          ORDER BY id = $1 DESC LIMIT 1`,
        [input.id, input.task_id, input.patch_hash],
      );
      if (sameChange !== undefined) throw duplicateError(sameChange, input);
      const timestamp = this.isoNow();
      const state = input.state ?? 'queued';
      const dependsOn = input.depends_on ?? [];
      let row: QueueEntryRow | undefined;
      try {
        await session.query(
          'INSERT INTO change_requests (id, task_id, request_id, agent, patch_hash, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [
            input.id,
            input.task_id,
            input.request_id,
            input.agent,
            input.patch_hash,
            JSON.stringify(input.change_request),
            timestamp,
          ],
        );
        [row] = await session.query<QueueEntryRow>(
          `INSERT INTO queue_entries (id, task_id, request_id, agent, summary, state, priority, attempts, max_attempts,
             target_branch, paths, patch, patch_hash, base_commit, checks, depends_on, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING *`,
          [
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
            JSON.stringify(dependsOn),
            timestamp,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw duplicateError({ id: input.id, task_id: input.task_id, patch_hash: input.patch_hash }, input);
        throw error;
      }
      const sequence = row!.sequence;
      if (dependsOn.length > 0) {
        await session.query(
          'INSERT INTO queue_entry_dependencies (sequence, depends_on) SELECT $1, needed FROM unnest($2::text[]) AS needed ON CONFLICT DO NOTHING',
          [sequence, [...new Set(dependsOn)]],
        );
      }
      await applyStructureChange(
        session,
        { sequence, id: input.id, target_branch: input.target_branch, paths: input.paths },
        null,
        state,
      );
      await this.insertEvent(session, {
        entryId: input.id,
        type: 'entry:enqueued',
        from: null,
        to: state,
        worker: null,
        data: {
          task_id: input.task_id,
          request_id: input.request_id,
          paths: input.paths,
          patch_hash: input.patch_hash,
          ...(dependsOn.length > 0 ? { depends_on: dependsOn } : {}),
          ...input.event_data,
        },
      });
      await session.notifyChange();
      return this.requireEntryOn(session, input.id);
    });
  }

  /** True when the id, or the same task with the same patch, was submitted. */
  async hasSubmission(id: string, taskId: string, patchHash: string): Promise<boolean> {
    const rows = await this.session.query(
      'SELECT 1 FROM change_requests WHERE id = $1 OR (task_id = $2 AND patch_hash = $3) LIMIT 1',
      [id, taskId, patchHash],
    );
    return rows.length > 0;
  }

  /** One entry, or undefined. */
  async getEntry(id: string): Promise<QueueEntry | undefined> {
    const [row] = await this.session.query<QueueEntryRow>('SELECT * FROM queue_entries WHERE id = $1', [id]);
    return row === undefined ? undefined : entryFromRow(row);
  }

  /** One entry; `not_found` naming the id. */
  requireEntry(id: string): Promise<QueueEntry> {
    return this.requireEntryOn(this.session, id);
  }

  private async requireEntryOn(session: Session, id: string): Promise<QueueEntry> {
    const [row] = await session.query<QueueEntryRow>('SELECT * FROM queue_entries WHERE id = $1', [id]);
    if (row === undefined) throw notFound(id);
    return entryFromRow(row);
  }

  /** The change request as submitted, or undefined. */
  async getChangeRequest(id: string): Promise<unknown> {
    const [row] = await this.session.query<{ body: string }>(
      'SELECT body FROM change_requests WHERE id = $1',
      [id],
    );
    return row === undefined ? undefined : (JSON.parse(row.body) as unknown);
  }

  /** Entries in queue or submission order, filtered. */
  async listEntries(filter: EntryFilter = {}): Promise<QueueEntry[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (filter.states !== undefined && filter.states.length > 0) {
      values.push([...filter.states]);
      conditions.push(`state = ANY($${values.length}::text[])`);
    }
    for (const [column, value] of [
      ['request_id', filter.requestId],
      ['task_id', filter.taskId],
      ['target_branch', filter.targetBranch],
    ] as const) {
      if (value === undefined) continue;
      values.push(value);
      conditions.push(`${column} = $${values.length}`);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    values.push(filter.limit ?? null);
    const rows = await this.session.query<QueueEntryRow>(
      `SELECT * FROM queue_entries ${where} ORDER BY ${filter.order === 'submission' ? '' : 'priority DESC, '}sequence LIMIT $${values.length}`,
      values,
    );
    return rows.map(entryFromRow);
  }

  /**
   * The unfinished entries of `targetBranch` on any of `paths`, in submission order: those holding
   * their files through the file index (`queue_entry_paths`: queued or running), and those awaiting
   * approval (few, read through the state index) whose files meet `paths`.
   */
  async listUnfinishedEntriesOnPaths(targetBranch: string, paths: readonly string[]): Promise<QueueEntry[]> {
    if (paths.length === 0) return [];
    const rows = await this.session.query<QueueEntryRow>(
      `SELECT * FROM queue_entries WHERE sequence IN (
         SELECT held.sequence FROM queue_entry_paths held
          WHERE held.target_branch = $1 AND held.path = ANY($2::text[])
         UNION
         SELECT waiting.sequence FROM queue_entries waiting
          WHERE waiting.state = 'awaiting_approval' AND waiting.target_branch = $1
            AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(waiting.paths::jsonb) AS path
                         WHERE path = ANY($2::text[])))
       ORDER BY sequence`,
      [targetBranch, [...paths]],
    );
    return rows.map(entryFromRow);
  }

  /** How many entries are in each state. */
  async countByState(): Promise<Partial<Record<QueueState, number>>> {
    const rows = await this.session.query<{ state: QueueState; count: number }>(
      'SELECT state, count(*) AS count FROM queue_entries GROUP BY state',
    );
    const counts: Partial<Record<QueueState, number>> = {};
    for (const row of rows) counts[row.state] = row.count;
    return counts;
  }

  /**
   * Leases the next runnable entry: expired leases go back first, then one index scan of the
   * runnable entries (`queued`, no blockers) in queue order, skipping rows other workers are
   * leasing right now (`FOR UPDATE SKIP LOCKED`) and entries whose `not_before` has not come.
   */
  async leaseNext(owner: string, leaseMs: number, targetBranch?: string): Promise<QueueEntry | undefined> {
    // Noted before the read: a change committed after it is heard later, and wakes the next wait.
    const countBefore = this.context.changeCount();
    const leased = await this.leaseNextOn(owner, leaseMs, targetBranch);
    if (leased === undefined) this.context.noteIdleRead(countBefore);
    return leased;
  }

  private leaseNextOn(
    owner: string,
    leaseMs: number,
    targetBranch?: string,
  ): Promise<QueueEntry | undefined> {
    return this.session.atomically(async (session) => {
      await session.beforeWrite(false);
      const now = this.context.clock();
      await this.expireOn(session, now);
      const values: unknown[] = [now];
      if (targetBranch !== undefined) values.push(targetBranch);
      // A running entry with a common path holds a queued one even when it was submitted later
      // (it was leased while the earlier one was finished or awaiting approval).
      const [candidate] = await session.query<QueueEntryRow>(
        `SELECT * FROM queue_entries e
          WHERE e.state = 'queued' AND e.blockers = 0 AND (e.not_before IS NULL OR e.not_before <= $1)
            ${targetBranch === undefined ? '' : 'AND e.target_branch = $2'}
            AND ${CONTROLS_ALLOW_LEASES}
            AND NOT EXISTS (
              SELECT 1 FROM queue_entries holder
                JOIN queue_entry_paths held ON held.sequence = holder.sequence
                JOIN queue_entry_paths mine ON mine.sequence = e.sequence
                 AND mine.target_branch = held.target_branch AND mine.path = held.path
               WHERE holder.state = 'running')
          ORDER BY e.priority DESC, e.sequence
          LIMIT 1
          FOR UPDATE OF e SKIP LOCKED`,
        values,
      );
      if (candidate === undefined) return undefined;
      return this.applyTransition(session, candidate, {
        from: 'queued',
        to: 'running',
        type: 'entry:leased',
        worker: owner,
        data: { attempt: candidate.attempts + 1, lease_ms: leaseMs },
        set: { lease_owner: owner, lease_expires_at: now + leaseMs, attempts: candidate.attempts + 1 },
      });
    });
  }

  /**
   * True while some entry is running, or is queued with no blockers. That is the SQLite store's
   * definition: with nothing running, a queued entry that nothing holds runs without a person;
   * and when every queued entry is held, follow what holds the earliest ones back — holders are
   * always submitted earlier (paths) or are earlier entries (`depends_on` names entries ahead),
   * so the chain ends at an unfinished entry that is neither queued nor running: one awaiting
   * approval.
   */
  async hasPendingWork(targetBranch?: string): Promise<boolean> {
    const branch = targetBranch === undefined ? '' : 'AND target_branch = $1';
    const [row] = await this.session.query<{ pending: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM queue_entries WHERE state = 'running' ${branch})
           OR EXISTS (SELECT 1 FROM queue_entries WHERE state = 'queued' AND blockers = 0 ${branch}) AS pending`,
      targetBranch === undefined ? [] : [targetBranch],
    );
    return row?.pending === true;
  }

  /** Returns expired leases to the queue, giving the attempt back (promise 9). */
  expireLeases(now = this.context.clock()): Promise<QueueEntry[]> {
    return this.session.atomically(async (session) => {
      await session.beforeWrite(false);
      return this.expireOn(session, now);
    });
  }

  private async expireOn(session: TransactionSession, now: number): Promise<QueueEntry[]> {
    const expired = await session.query<QueueEntryRow>(
      "SELECT * FROM queue_entries WHERE state = 'running' AND lease_expires_at < $1 ORDER BY sequence FOR UPDATE SKIP LOCKED",
      [now],
    );
    const returned: QueueEntry[] = [];
    for (const row of expired) {
      const reason = `lease of ${row.lease_owner ?? 'unknown worker'} expired during attempt ${row.attempts}`;
      returned.push(
        await this.applyTransition(session, row, {
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
        }),
      );
    }
    return returned;
  }

  /** Extends the lease when `owner` still holds it. */
  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    await this.session.beforeStatementWrite();
    const rows = await this.session.query(
      "UPDATE queue_entries SET lease_expires_at = $1, updated_at = $2 WHERE id = $3 AND state = 'running' AND lease_owner = $4 RETURNING 1",
      [this.context.clock() + leaseMs, this.isoNow(), id, owner],
    );
    return rows.length === 1;
  }

  /** Moves an entry between states with its event, in one transaction. */
  transition(id: string, transition: QueueTransition): Promise<QueueEntry> {
    return this.session.atomically(async (session) => {
      const allowed: readonly QueueState[] =
        typeof transition.from === 'string' ? [transition.from] : transition.from;
      await session.beforeWrite(allowed.some((from) => changesStructure(from, transition.to)));
      const [current] = await session.query<QueueEntryRow>(
        'SELECT * FROM queue_entries WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (current === undefined) throw notFound(id);
      if (
        transition.owner !== undefined &&
        (current.state !== 'running' || current.lease_owner !== transition.owner)
      ) {
        throw new HyperionError(
          'lease_lost',
          `worker ${transition.owner} no longer holds the lease on ${id} (state ${current.state}, owner ${current.lease_owner ?? 'none'})`,
          { details: { id, state: current.state, owner: current.lease_owner } },
        );
      }
      if (!allowed.includes(current.state as QueueState)) {
        throw new HyperionError(
          'invalid_state',
          `entry ${id} is ${current.state}; expected ${allowed.join(' or ')}`,
          {
            details: { id, state: current.state, expected: allowed },
          },
        );
      }
      return this.applyTransition(session, current, transition);
    });
  }

  /** Writes a checked transition of the locked row `current`, its event and the structure change. */
  private async applyTransition(
    session: TransactionSession,
    current: QueueEntryRow,
    transition: QueueTransition,
  ): Promise<QueueEntry> {
    const set: QueueEntryUpdate = { ...transition.set };
    if (typeof set.last_error === 'string')
      set.last_error = redactSecrets(set.last_error, this.context.secretValues);
    if (transition.to !== 'running') {
      set.lease_owner = null;
      set.lease_expires_at = null;
    }
    const columns = UPDATABLE_COLUMNS.filter((column) => column in set);
    const values: unknown[] = [
      transition.to,
      this.isoNow(),
      current.sequence,
      ...columns.map((column) => set[column] ?? null),
    ];
    const [row] = await session.query<QueueEntryRow>(
      `UPDATE queue_entries SET state = $1, updated_at = $2${columns.map((column, index) => `, ${column} = $${index + 4}`).join('')}
        WHERE sequence = $3 RETURNING *`,
      values,
    );
    const from = current.state as QueueState;
    if (changesStructure(from, transition.to)) {
      await applyStructureChange(
        session,
        {
          sequence: current.sequence,
          id: current.id,
          target_branch: current.target_branch,
          paths: JSON.parse(current.paths) as string[],
        },
        from,
        transition.to,
      );
    }
    await this.insertEvent(session, {
      entryId: current.id,
      type: transition.type,
      from,
      to: transition.to,
      worker: transition.worker ?? null,
      data: transition.data ?? {},
    });
    // Everything but a lease may let a waiting worker go on (an entry finished, came back, was approved).
    if (!(from === 'queued' && transition.to === 'running')) await session.notifyChange();
    return entryFromRow(row!);
  }

  /** Records an event that does not change the entry's state. */
  async recordEvent(
    id: string,
    type: QueueEventType,
    data: Record<string, unknown> = {},
    worker: string | null = null,
  ): Promise<void> {
    await this.session.beforeStatementWrite();
    await this.insertEvent(this.session, { entryId: id, type, from: null, to: null, worker, data });
  }

  /** Events in id order, filtered. */
  async listEvents(filter: EventFilter = {}): Promise<QueueEvent[]> {
    const values: unknown[] = [filter.afterId ?? 0];
    if (filter.entryId !== undefined) values.push(filter.entryId);
    values.push(filter.limit ?? null);
    const matching = `SELECT * FROM change_queue_logs WHERE id > $1 ${filter.entryId === undefined ? '' : 'AND entry_id = $2'}`;
    // The newest `limit`: read backwards by id (the primary key, or the entry's index), then turn.
    const rows = await this.session.query<QueueEventRow>(
      filter.newest === true
        ? `SELECT * FROM (${matching} ORDER BY id DESC LIMIT $${values.length}) AS newest ORDER BY id`
        : `${matching} ORDER BY id LIMIT $${values.length}`,
      values,
    );
    return rows.map(eventFromRow);
  }

  /**
   * Events at or after `filter.since` in (time, id) order, through `change_queue_logs_by_time`.
   * Times are `toISOString()` text compared byte by byte (`COLLATE "C"`, as the index is built),
   * whatever the database's collation.
   */
  async listEventsSince(filter: EventTimeFilter): Promise<QueueEvent[]> {
    const values: unknown[] = [new Date(filter.since).toISOString()];
    let after = '';
    if (filter.after !== undefined) {
      values.push(filter.after.at, filter.after.id);
      after = 'AND (at COLLATE "C", id) > ($2 COLLATE "C", $3)';
    }
    values.push(filter.limit ?? null);
    const rows = await this.session.query<QueueEventRow>(
      `SELECT * FROM change_queue_logs WHERE at COLLATE "C" >= $1 ${after}
        ORDER BY at COLLATE "C", id LIMIT $${values.length}`,
      values,
    );
    return rows.map(eventFromRow);
  }

  /** Resolves when the queue may have changed, after `timeoutMs`, or when `signal` aborts. */
  waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.context.waitForChange(timeoutMs, signal);
  }

  /** The queue's control flags. */
  async queueControls(): Promise<QueueControls> {
    return readControls(this.session);
  }

  /** Sets control flags (who and when are kept); returns the flags in force. */
  setQueueControls(controls: Partial<QueueControls>, by: string | null = null): Promise<QueueControls> {
    return this.session.atomically(async (session) => {
      await session.beforeWrite(false);
      for (const [name, value] of Object.entries(controls)) {
        if (value === undefined) continue;
        await session.query(
          `INSERT INTO queue_controls (name, value, updated_by, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
          [name, String(value), by, this.isoNow()],
        );
      }
      await session.notifyChange();
      return readControls(session);
    });
  }
}

async function readControls(session: Session): Promise<QueueControls> {
  const rows = await session.query<{ name: string; value: string }>('SELECT name, value FROM queue_controls');
  const value = (name: string): boolean => rows.some((row) => row.name === name && row.value === 'true');
  return { paused: value('paused'), draining: value('draining') };
}

function notFound(id: string): HyperionError {
  return new HyperionError('not_found', `no queue entry with id '${id}'`, { details: { id } });
}

function duplicateError(
  sameChange: { id: string; task_id: string; patch_hash: string },
  input: NewQueueEntry,
): HyperionError {
  // Name the entry that exists (and its task), not the submission that collided with it.
  const what =
    sameChange.id !== input.id
      ? 'already carries this patch'
      : sameChange.patch_hash === input.patch_hash && sameChange.task_id === input.task_id
        ? 'was already submitted with this patch'
        : 'already exists with other content';
  return new HyperionError(
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
