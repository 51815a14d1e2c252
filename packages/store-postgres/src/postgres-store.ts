import pg from 'pg';
import { HyperionError, MINIMUM_SECRET_LENGTH, secretValuesOf, type QueueEvent } from '@hyperion/schema';
import type {
  BuildTurnLine,
  BuildTurnState,
  BuildTurnTicket,
  HyperionStore,
  NewCandidate,
  PruneOptions,
  PruneResult,
  StoredCandidate,
  StoredSubmission,
  StoreTransaction,
} from '@hyperion/store';
import { ChangeListener } from './change-listener.js';
import { prepareSchema } from './open-schema.js';
import { pruneFinishedEntries } from './prune-finished.js';
import { EVENT_HORIZON_LOCK } from './queue-operations.js';
import { rebuildStructure } from './queue-structure.js';
import { entryFromRow, type QueueEntryRow } from './rows.js';
import { inTransaction, PoolSession, type Session } from './session.js';
import { SPECULATION_CHANNEL, SpeculationOperations } from './speculation-operations.js';
import { StoreOperations } from './store-operations.js';
import { parseStoreUrl, type StoreEndpoint } from './store-url.js';

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /**
   * Create Hyperion's tables when the database has none (default false: a database without them
   * is `store_missing`, never an empty queue). The database itself must exist.
   */
  create?: boolean;
  /**
   * Connections in the pool (default 4), besides the one that listens for changes. Give each
   * worker one and some to spare (the CLI opens `workers + 3`): a call waits for a free one.
   */
  poolSize?: number;
  /**
   * How long establishing one connection may take before `store_unreachable` (default 5000 ms).
   * It never bounds the wait for a free connection of a busy pool: a busy pool is not an
   * unreachable server.
   */
  connectTimeoutMs?: number;
  /**
   * How long one statement may wait for its answer before `store_unreachable` (default 30000 ms,
   * far longer than any statement of the store takes): a half-open connection fails the call
   * instead of leaving it (a lease renewal, say) pending for many minutes. Connections also send
   * TCP keepalives.
   */
  queryTimeoutMs?: number;
  /** Clock in epoch milliseconds (tests pass a fake one). Leases and backoffs use it. */
  clock?: () => number;
}

/** BIGINT (oid 20) columns and counts as numbers: Hyperion's never leave the safe integer range. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Hyperion's store on PostgreSQL: the same interface and promises as the SQLite store, for queues
 * that span machines. Leases are `FOR UPDATE SKIP LOCKED` over an index of the runnable entries,
 * idle workers wait on `LISTEN/NOTIFY`, and every transition commits with its event.
 */
export class PostgresStore extends StoreOperations implements HyperionStore {
  /** Always `postgres`. */
  readonly kind = 'postgres';
  /** The database URL without its password. */
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly endpoint: StoreEndpoint;
  private readonly listener: ChangeListener;
  private readonly speculationListener: ChangeListener;
  private readonly speculation: SpeculationOperations;
  private closed = false;

  private constructor(pool: pg.Pool, endpoint: StoreEndpoint, config: pg.ClientConfig, clock: () => number) {
    const listener = new ChangeListener(config);
    super(new PoolSession(pool, endpoint), {
      clock,
      secretValues: secretValuesWith(endpoint),
      waitForChange: (timeoutMs, signal) => listener.wait(timeoutMs, signal),
      changeCount: () => listener.count,
      noteIdleRead: (countBefore) => listener.noteIdleRead(countBefore),
    });
    this.pool = pool;
    this.endpoint = endpoint;
    this.listener = listener;
    this.location = endpoint.location;
    this.speculationListener = new ChangeListener(config, SPECULATION_CHANNEL);
    this.speculation = new SpeculationOperations(
      new PoolSession(pool, endpoint),
      clock,
      this.speculationListener,
    );
  }

  /**
   * Connects to the database at `url` (`postgres://user:password@host:port/database`) and brings
   * its schema to the newest migration. Only an existing Hyperion store opens unless `create`;
   * a server that cannot be reached is `store_unreachable` naming host and port (never the
   * password), within `connectTimeoutMs`.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const endpoint = parseStoreUrl(url);
    const config: pg.ClientConfig = {
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      keepAlive: true,
      application_name: 'hyperion',
      types: TYPES,
    };
    // pg-pool's connectionTimeoutMillis bounds both connecting and waiting for a free pooled
    // connection, failing the wait with "timeout exceeded when trying to connect". So the pool
    // gets none; each of its clients bounds its own connecting instead.
    const { connectionTimeoutMillis: _connectTimeout, ...poolConfig } = config;
    const pool = new pg.Pool({
      ...poolConfig,
      Client: clientConnectingWithin(config),
      max: options.poolSize ?? 4,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    // An idle connection the server dropped is an error event; the pool replaces it on next use.
    pool.on('error', () => undefined);
    // Checking and migrating the schema may wait for another process's migration, or run long on
    // a large store: its one connection has no query timeout.
    const schemaPool = new pg.Pool({
      ...poolConfig,
      query_timeout: undefined,
      Client: clientConnectingWithin(config),
      max: 1,
    });
    schemaPool.on('error', () => undefined);
    try {
      await prepareSchema(schemaPool, endpoint, options.create === true);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    } finally {
      await schemaPool.end().catch(() => undefined);
    }
    return new PostgresStore(pool, endpoint, config, options.clock ?? Date.now);
  }

  /** Runs `work` in one transaction on a connection of its own; a throw rolls it all back. */
  transaction<T>(work: (transaction: StoreTransaction) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, this.endpoint, true, (session) =>
      work(new StoreOperations(session, this.context)),
    );
  }

  /** Every submission with its change request, in submission order. */
  async listSubmissions(): Promise<StoredSubmission[]> {
    const rows = await this.session.query<QueueEntryRow & { change_request: string | null }>(
      `SELECT queue_entries.*, change_requests.body AS change_request FROM queue_entries
         LEFT JOIN change_requests ON change_requests.id = queue_entries.id ORDER BY queue_entries.sequence`,
    );
    return rows.map(({ change_request: changeRequest, ...row }) => ({
      entry: entryFromRow(row),
      change_request: changeRequest === null ? null : (JSON.parse(changeRequest) as unknown),
    }));
  }

  /** Fills an empty store from an exported log, exactly as given; `invalid_state` when it holds a queue. */
  importLog(log: { submissions: readonly StoredSubmission[]; events: readonly QueueEvent[] }): Promise<void> {
    return inTransaction(this.pool, this.endpoint, true, async (session) => {
      await session.lockQueueStructure();
      const [existing] = await session.query<{ count: number }>(
        'SELECT (SELECT count(*) FROM queue_entries) + (SELECT count(*) FROM change_queue_logs) AS count',
      );
      if ((existing?.count ?? 0) > 0) {
        throw new HyperionError(
          'invalid_state',
          `${this.location} already holds a queue; import into an empty store`,
          {
            details: { target: this.location },
          },
        );
      }
      for (const submission of log.submissions) await insertSubmission(session, submission);
      for (const event of log.events) {
        await session.query(
          'INSERT INTO change_queue_logs (id, entry_id, type, from_state, to_state, worker, at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [
            event.id,
            event.entry_id,
            event.type,
            event.from_state,
            event.to_state,
            event.worker,
            event.at,
            JSON.stringify(event.data),
          ],
        );
      }
      await session.query(
        "SELECT setval(pg_get_serial_sequence('change_queue_logs', 'id'), GREATEST((SELECT max(id) FROM change_queue_logs), 1), (SELECT count(*) > 0 FROM change_queue_logs))",
      );
      await rebuildStructure(session);
      await session.notifyChange();
    });
  }

  /**
   * Events after `afterId` up to the event horizon: the highest id once every transaction that
   * holds the event-horizon lock (every one that wrote an event) has ended. Ids are drawn before a
   * transaction commits, so without it a follower could pass an id that commits later.
   */
  async listCommittedEvents(filter: { afterId?: number; limit?: number } = {}): Promise<QueueEvent[]> {
    const horizon = await inTransaction(this.pool, this.endpoint, false, async (session) => {
      await session.query(`SELECT pg_advisory_xact_lock(${EVENT_HORIZON_LOCK})`);
      const [row] = await session.query<{ id: number | null }>('SELECT max(id) AS id FROM change_queue_logs');
      return row?.id ?? 0;
    });
    const events = await this.listEvents(filter);
    return events.filter((event) => event.id <= horizon);
  }

  /** Empties (or deletes) finished entries changed before the cut-off, in one transaction. */
  pruneFinished(options: PruneOptions): Promise<PruneResult> {
    return inTransaction(this.pool, this.endpoint, true, (session) => pruneFinishedEntries(session, options));
  }

  /** Publishes a candidate (see `SpeculationStore`). */
  publishCandidate(candidate: NewCandidate, ttlMs: number): Promise<void> {
    return this.speculation.publishCandidate(candidate, ttlMs);
  }

  /** Removes a candidate (see `SpeculationStore`). */
  withdrawCandidate(targetBranch: string, commit: string): Promise<boolean> {
    return this.speculation.withdrawCandidate(targetBranch, commit);
  }

  /** Renews live candidates (see `SpeculationStore`). */
  renewCandidates(targetBranch: string, commits: readonly string[], ttlMs: number): Promise<number> {
    return this.speculation.renewCandidates(targetBranch, commits, ttlMs);
  }

  /** The live candidates of a branch (see `SpeculationStore`). */
  listCandidates(targetBranch: string): Promise<StoredCandidate[]> {
    return this.speculation.listCandidates(targetBranch);
  }

  /** Draws a build-turn ticket (see `SpeculationStore`). */
  enterBuildTurn(line: BuildTurnLine, owner: string, ttlMs: number): Promise<BuildTurnTicket> {
    return this.speculation.enterBuildTurn(line, owner, ttlMs);
  }

  /** Renews a ticket and says whether it is its turn (see `SpeculationStore`). */
  checkBuildTurn(line: BuildTurnLine, ticket: number, ttlMs: number): Promise<BuildTurnState> {
    return this.speculation.checkBuildTurn(line, ticket, ttlMs);
  }

  /** Gives a ticket up (see `SpeculationStore`). */
  leaveBuildTurn(line: BuildTurnLine, ticket: number): Promise<void> {
    return this.speculation.leaveBuildTurn(line, ticket);
  }

  /** Waits on `LISTEN hyperion_speculation` (see `SpeculationStore`). */
  waitForSpeculationChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.speculation.waitForSpeculationChange(timeoutMs, signal);
  }

  /** Ends the pool and the listening connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await this.speculationListener.close();
    await this.pool.end();
  }
}

/**
 * The process's secret values and the password of the URL the store was opened with (at least
 * {@link MINIMUM_SECRET_LENGTH} long, like every other redacted value), redacted from events and
 * `last_error`.
 */
function secretValuesWith(endpoint: StoreEndpoint): string[] {
  const values = secretValuesOf(process.env);
  const password = endpoint.secret;
  if (password !== undefined && password.length >= MINIMUM_SECRET_LENGTH && !values.includes(password)) {
    values.push(password);
  }
  return values;
}

/** A client class whose connecting is bounded by `config`'s `connectionTimeoutMillis`. */
function clientConnectingWithin(config: pg.ClientConfig): typeof pg.Client {
  const connectionTimeoutMillis = config.connectionTimeoutMillis;
  return class TimedClient extends pg.Client {
    constructor(clientConfig?: string | pg.ClientConfig) {
      super(
        typeof clientConfig === 'string'
          ? { connectionString: clientConfig, connectionTimeoutMillis }
          : { ...clientConfig, connectionTimeoutMillis },
      );
    }
  };
}

async function insertSubmission(
  session: Session,
  { entry, change_request: changeRequest }: StoredSubmission,
): Promise<void> {
  await session.query(
    'INSERT INTO change_requests (id, task_id, request_id, agent, patch_hash, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [
      entry.id,
      entry.task_id,
      entry.request_id,
      entry.agent,
      entry.patch_hash,
      JSON.stringify(changeRequest),
      entry.created_at,
    ],
  );
  await session.query(
    `INSERT INTO queue_entries (id, task_id, request_id, agent, summary, state, priority, attempts, max_attempts,
       lease_expiries, target_branch, paths, patch, patch_hash, base_commit, checks, depends_on, lease_owner,
       lease_expires_at, not_before, last_error, landed_commit, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
    [
      entry.id,
      entry.task_id,
      entry.request_id,
      entry.agent,
      entry.summary,
      entry.state,
      entry.priority,
      entry.attempts,
      entry.max_attempts,
      entry.lease_expiries,
      entry.target_branch,
      JSON.stringify(entry.paths),
      entry.patch,
      entry.patch_hash,
      entry.base_commit,
      JSON.stringify(entry.checks),
      JSON.stringify(entry.depends_on),
      entry.lease_owner,
      entry.lease_expires_at,
      entry.not_before,
      entry.last_error,
      entry.landed_commit,
      entry.created_at,
      entry.updated_at,
    ],
  );
}
