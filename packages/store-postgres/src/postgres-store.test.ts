import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { HyperionError } from '@hyperion/schema';
import { conformanceEntry, landEntry, retryLater, seededRandom } from '@hyperion/store/testing';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';
import { PostgresStore } from './postgres-store.js';
import { COUNT_BLOCKERS, HOLDING_SQL } from './queue-structure.js';

let server: PostgresTestServer;

beforeAll(async () => {
  server = await startPostgresServer();
});

afterAll(async () => {
  await server?.stop();
});

async function openError(
  url: string,
  options: Parameters<typeof PostgresStore.open>[1] = {},
): Promise<HyperionError> {
  try {
    const store = await PostgresStore.open(url, options);
    await store.close();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('the store opened');
}

/** Rows whose maintained `blockers` differ from a count from scratch. */
async function blockerDrift(url: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      `SELECT id, blockers, ${COUNT_BLOCKERS} AS counted FROM queue_entries WHERE state IN ${HOLDING_SQL}`,
    );
    return result.rows.filter(
      (row: { blockers: number; counted: string }) => row.blockers !== Number(row.counted),
    );
  } finally {
    await client.end();
  }
}

describe('PostgresStore.open', () => {
  it('refuses a database without Hyperion tables unless create, and one with foreign tables', async () => {
    const url = await server.createDatabase();
    const missing = await openError(url);
    expect(missing.code).toBe('store_missing');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE invoices (id INT)');
    await client.end();
    const foreign = await openError(url, { create: true });
    expect(foreign.code).toBe('store_corrupt');
    expect(foreign.message).toContain('invoices');
  });

  it('refuses a schema from a newer Hyperion, and opens from several processes at once', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url, { create: true })));
    for (const store of stores) await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO hyperion_migrations VALUES (999, 'future', 'now')");
    await client.end();
    expect((await openError(url)).code).toBe('store_corrupt');
  });

  it('names host and port of an unreachable server, never the password, and does not hang', async () => {
    const error = await openError('postgres://hyperion:s3cret-pass-word@127.0.0.1:1/queue', {
      connectTimeoutMs: 2000,
    });
    expect(error.code).toBe('store_unreachable');
    expect(error.message).toContain('127.0.0.1:1');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(
      's3cret-pass-word',
    );
    const notUrl = await openError('host=db password=s3cret-pass-word');
    expect(notUrl.code).toBe('invalid_input');
    expect(notUrl.message).not.toContain('s3cret-pass-word');
  });

  it('shows the location without the password', async () => {
    const url = await server.createDatabase();
    const withPassword = url.replace('postgres@', 'postgres:unused-secret@');
    const store = await PostgresStore.open(withPassword, { create: true });
    try {
      expect(store.location).toBe(url);
      expect(store.kind).toBe('postgres');
    } finally {
      await store.close();
    }
  });
});

describe('blockers', () => {
  it('stay equal to a count from scratch through enqueues, leases, retries, approvals and finishes', async () => {
    const url = await server.createDatabase();
    let now = 1_700_000_000_000;
    const store = await PostgresStore.open(url, { create: true, clock: () => now });
    try {
      const random = seededRandom(3);
      const paths = ['a', 'b', 'c', 'd', 'e', 'f'];
      const ids: string[] = [];
      for (let step = 0; step < 150; step += 1) {
        const roll = random();
        if (roll < 0.35 || ids.length === 0) {
          const id = `s${step}`;
          const dependsOn = ids.length > 0 && random() < 0.3 ? [ids[Math.floor(random() * ids.length)]!] : [];
          await store.enqueue(
            conformanceEntry(id, [paths[Math.floor(random() * 6)]!, paths[Math.floor(random() * 6)]!], {
              depends_on: dependsOn,
              state: random() < 0.2 ? 'awaiting_approval' : 'queued',
            }),
          );
          ids.push(id);
        } else if (roll < 0.6) {
          await store.leaseNext(`w${step}`, 60_000, 'main');
        } else {
          const [running] = await store.listEntries({ states: ['running'], limit: 1 });
          const [waiting] = await store.listEntries({ states: ['awaiting_approval'], limit: 1 });
          if (running !== undefined && roll < 0.8) await landEntry(store, running.id, running.lease_owner!);
          else if (running !== undefined) await retryLater(store, running.id, running.lease_owner!, now + 5);
          else if (waiting !== undefined) {
            await store.transition(waiting.id, {
              from: 'awaiting_approval',
              to: 'queued',
              type: 'entry:approved',
              data: {},
            });
          }
        }
        now += 10;
        if (step % 10 === 0) expect(await blockerDrift(url)).toEqual([]);
      }
      expect(await blockerDrift(url)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('a busy pool', () => {
  it('makes a call wait for a free connection, however long, never store_unreachable', async () => {
    const url = await server.createDatabase();
    const store = await PostgresStore.open(url, { create: true, poolSize: 1, connectTimeoutMs: 300 });
    let finish!: () => void;
    const mayFinish = new Promise<void>((resolve) => (finish = resolve));
    try {
      let started!: () => void;
      const transactionStarted = new Promise<void>((resolve) => (started = resolve));
      const holding = store.transaction(async (transaction) => {
        await transaction.enqueue(conformanceEntry('held', ['a']));
        started();
        await mayFinish;
      });
      await transactionStarted;
      // The pool's one connection is in the transaction: this call waits for it.
      const waiting = store.listEntries();
      // Hold it for several connect timeouts (the failure waited one, then said store_unreachable).
      const failedEarly = await Promise.race([
        waiting.then(
          () => 'finished while the connection was held',
          (error: unknown) => error,
        ),
        new Promise((resolve) => setTimeout(() => resolve(undefined), 1500)),
      ]);
      expect(failedEarly).toBeUndefined();
      finish();
      await holding;
      expect((await waiting).map((entry) => entry.id)).toEqual(['held']);
    } finally {
      finish();
      await store.close();
    }
  });
});

describe('a statement without an answer', () => {
  it('is store_unreachable after the query timeout, naming host and port, never the password', async () => {
    const url = await server.createDatabase();
    const withPassword = url.replace('postgres@', 'postgres:query-timeout-secret@');
    const store = await PostgresStore.open(withPassword, { create: true, queryTimeoutMs: 300 });
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      // Another session locks the table, so the store's statements get no answer.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE queue_entries IN ACCESS EXCLUSIVE MODE');
      let failure: unknown;
      try {
        await store.listEntries();
      } catch (error) {
        failure = error;
      }
      expect(HyperionError.isInstance(failure)).toBe(true);
      const error = failure as HyperionError;
      expect(error.code).toBe('store_unreachable');
      expect(error.message).toContain(`${error.details['host']}:${error.details['port']}`);
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(
        'query-timeout-secret',
      );
      // In a transaction too, and the store works again once the server answers.
      failure = undefined;
      try {
        await store.transaction((transaction) => transaction.listEntries());
      } catch (caught) {
        failure = caught;
      }
      expect((failure as HyperionError).code).toBe('store_unreachable');
      await locker.query('ROLLBACK');
      expect(await store.listEntries()).toEqual([]);
    } finally {
      await locker.end();
      await store.close();
    }
  });
});

describe('the password of the store URL', () => {
  it('is redacted from events and last_error like every other secret', async () => {
    const url = await server.createDatabase();
    const password = 'url-password-0f1e2d3c';
    const store = await PostgresStore.open(url.replace('postgres@', `postgres:${password}@`), {
      create: true,
    });
    try {
      await store.enqueue(conformanceEntry('a', ['a.txt'], { event_data: { note: `url ${password}` } }));
      const leased = await store.leaseNext('w1', 60_000, 'main');
      await store.recordEvent('a', 'check:failed', { output: `connecting with ${password}` }, 'w1');
      await store.transition('a', {
        from: 'running',
        owner: 'w1',
        to: 'quarantined',
        type: 'entry:quarantined',
        data: { reason: `failed with ${password}` },
        set: { last_error: `failed with ${password}` },
      });
      expect(leased?.id).toBe('a');
      const events = JSON.stringify(await store.listEvents());
      expect(events).not.toContain(password);
      expect(events).toContain('connecting with [redacted]');
      expect((await store.requireEntry('a')).last_error).toBe('failed with [redacted]');
    } finally {
      await store.close();
    }
  });
});

describe('waiting for a change', () => {
  it('wakes an idle worker for a change that came between its lease and its wait', async () => {
    const url = await server.createDatabase();
    const store = await PostgresStore.open(url, { create: true });
    const other = await PostgresStore.open(url);
    const observer = new pg.Client({ connectionString: url });
    await observer.connect();
    const heard: string[] = [];
    observer.on('notification', (message) => heard.push(message.channel));
    await observer.query('LISTEN hyperion_queue');
    try {
      // The first wait opens the store's listening connection (and returns at once).
      await store.waitForChange(60_000);
      expect(await store.leaseNext('idle-worker', 60_000, 'main')).toBeUndefined();
      // Another process enqueues before the worker waits; its notification is heard by then.
      await other.enqueue(conformanceEntry('late', ['a.txt']));
      while (heard.length === 0) await observer.query('SELECT 1');
      await store.listEntries();
      // Missed, this wait would last ten minutes (past the test's timeout).
      await store.waitForChange(600_000);
      expect((await store.leaseNext('idle-worker', 60_000, 'main'))?.id).toBe('late');
    } finally {
      await observer.end();
      await other.close();
      await store.close();
    }
  });
});
