import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { HyperionError } from '@hyperion/schema';
import { translatePostgresError } from './translate-error.js';
import type { StoreEndpoint } from './store-url.js';

/** The channel every queue change is announced on (`NOTIFY hyperion_queue`). */
export const QUEUE_CHANNEL = 'hyperion_queue';
/**
 * The transaction-level advisory lock that serializes changes to which entries hold paths and
 * dependencies (enqueue, an entry finishing or coming back, approval), so `blockers` stays exact.
 * Leases and renewals never take it.
 */
const QUEUE_STRUCTURE_LOCK = 0x48595052_0001n;

/** Where the store's statements run: the pool (each call its own transaction) or one transaction. */
export interface Session {
  /** Runs one statement. */
  query<Row extends QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<Row[]>;
  /**
   * Called before a single-statement write. In a caller's transaction it takes the
   * queue-structure lock first, so every caller's transaction takes its locks in one order.
   */
  beforeStatementWrite(): Promise<void>;
  /** Runs `work` in one transaction (inside a transaction already: in that one). */
  atomically<T>(work: (session: TransactionSession) => Promise<T>): Promise<T>;
}

/** A session inside one open transaction. */
export interface TransactionSession extends Session {
  /**
   * Takes the queue-structure lock for the rest of the transaction (before any row lock, so two
   * transactions never wait on each other in a circle).
   */
  lockQueueStructure(): Promise<void>;
  /** Announces a queue change when the transaction commits. */
  notifyChange(): Promise<void>;
  /**
   * Called by every writing operation before it writes. In a caller's transaction it takes the
   * queue-structure lock at once (the caller may do anything next, in any order).
   */
  beforeWrite(needsQueueStructure: boolean): Promise<void>;
}

/** A caller's transaction that is open while its work runs. */
interface OpenTransaction {
  pool: Pool;
  open: boolean;
}

/** Which caller's transaction the running code is inside (to refuse calls that would deadlock). */
const currentTransaction = new AsyncLocalStorage<OpenTransaction>();

/**
 * Calling the store (not the transaction object) inside its own transaction's work would take
 * another pooled connection and wait on the transaction's locks forever, or for a free connection
 * the transaction holds: refused at once with `internal`, as the SQLite store does.
 */
function refuseInsideOwnTransaction(pool: Pool): void {
  const open = currentTransaction.getStore();
  if (open !== undefined && open.open && open.pool === pool) {
    throw new HyperionError(
      'internal',
      'the store was called inside its own transaction; use the transaction object given to the work',
    );
  }
}

async function runQuery<Row extends QueryResultRow>(
  runner: Pool | PoolClient,
  endpoint: StoreEndpoint,
  text: string,
  values?: unknown[],
): Promise<Row[]> {
  try {
    return (await runner.query<Row>(text, values)).rows;
  } catch (error) {
    throw translatePostgresError(error, endpoint);
  }
}

/** Statements of one transaction on one client. */
export class ClientSession implements TransactionSession {
  private queueLocked = false;
  private notified = false;

  constructor(
    private readonly client: PoolClient,
    private readonly endpoint: StoreEndpoint,
    /** True for a caller's {@link PostgresStore.transaction}, whose next steps are unknown. */
    private readonly callerTransaction: boolean,
  ) {}

  query<Row extends QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<Row[]> {
    return runQuery<Row>(this.client, this.endpoint, text, values);
  }

  atomically<T>(work: (session: TransactionSession) => Promise<T>): Promise<T> {
    return work(this);
  }

  async lockQueueStructure(): Promise<void> {
    if (this.queueLocked) return;
    await this.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_STRUCTURE_LOCK.toString()]);
    this.queueLocked = true;
  }

  async notifyChange(): Promise<void> {
    if (this.notified) return;
    await this.query(`NOTIFY ${QUEUE_CHANNEL}`);
    this.notified = true;
  }

  async beforeStatementWrite(): Promise<void> {
    if (this.callerTransaction) await this.lockQueueStructure();
  }

  async beforeWrite(needsQueueStructure: boolean): Promise<void> {
    if (needsQueueStructure || this.callerTransaction) await this.lockQueueStructure();
  }
}

/** Runs `work` in a transaction on a client checked out of `pool`. */
export async function inTransaction<T>(
  pool: Pool,
  endpoint: StoreEndpoint,
  callerTransaction: boolean,
  work: (session: TransactionSession) => Promise<T>,
): Promise<T> {
  refuseInsideOwnTransaction(pool);
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePostgresError(error, endpoint);
  }
  let broken: unknown;
  try {
    await runQuery(client, endpoint, 'BEGIN');
    const session = new ClientSession(client, endpoint, callerTransaction);
    let result: T;
    if (callerTransaction) {
      const state: OpenTransaction = { pool, open: true };
      try {
        result = await currentTransaction.run(state, () => work(session));
      } finally {
        state.open = false;
      }
    } else {
      result = await work(session);
    }
    await runQuery(client, endpoint, 'COMMIT');
    return result;
  } catch (error) {
    if (HyperionError.isInstance(error) && error.code === 'store_unreachable') {
      // The connection is lost or did not answer: a rollback would wait on it too. Discarding the
      // connection ends the transaction (the server rolls it back).
      broken = error;
      throw error;
    }
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError;
    }
    throw error;
  } finally {
    // A client whose rollback failed is discarded, never handed out again mid-transaction.
    client.release(broken === undefined ? undefined : true);
  }
}

/** Statements on the pool: each one alone, each `atomically` its own transaction. */
export class PoolSession implements Session {
  constructor(
    private readonly pool: Pool,
    private readonly endpoint: StoreEndpoint,
  ) {}

  query<Row extends QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<Row[]> {
    try {
      refuseInsideOwnTransaction(this.pool);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return runQuery<Row>(this.pool, this.endpoint, text, values);
  }

  beforeStatementWrite(): Promise<void> {
    return Promise.resolve();
  }

  atomically<T>(work: (session: TransactionSession) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, this.endpoint, false, work);
  }
}
