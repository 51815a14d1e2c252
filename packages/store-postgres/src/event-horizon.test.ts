import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { readSegmentDirectory, shipLog } from '@hyperion/store';
import { conformanceEntry } from '@hyperion/store/testing';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';
import { PostgresStore } from './postgres-store.js';
import { EVENT_HORIZON_LOCK } from './queue-operations.js';

let server: PostgresTestServer;

beforeAll(async () => {
  server = await startPostgresServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('PostgresStore.listCommittedEvents (the event horizon)', () => {
  it('never passes an event id that a transaction still open commits later, so shipping skips none', async () => {
    const url = await server.createDatabase();
    const store = await PostgresStore.open(url, { create: true });
    const directory = mkdtempSync(join(tmpdir(), 'hyperion-horizon-'));
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    try {
      await store.enqueue(conformanceEntry('a', ['a.txt']));
      await store.enqueue(conformanceEntry('b', ['b.txt']));
      // A transaction draws the next event id and stays open; a later event commits beside it.
      const slowTransaction = (async () => {
        await slow.query('BEGIN');
        await slow.query(
          `SELECT pg_advisory_xact_lock_shared(${EVENT_HORIZON_LOCK}); INSERT INTO change_queue_logs (entry_id, type, from_state, to_state, worker, at, data) VALUES ('a', 'check:flaked', NULL, NULL, 'w1', now()::text, '{}')`,
        );
      })();
      await slowTransaction;
      await store.recordEvent('b', 'check:flaked', {}, 'w2');
      // The shipper waits for the open transaction instead of shipping past its id.
      const shipping = shipLog(store, directory);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await slow.query('COMMIT');
      await shipping;
      await shipLog(store, directory);
      const shipped = readSegmentDirectory(directory).flatMap((segment) =>
        segment.events.map((event) => event.id),
      );
      const stored = (await store.listEvents()).map((event) => event.id);
      expect(shipped).toEqual(stored);
      expect(stored).toHaveLength(4);
    } finally {
      await slow.end().catch(() => undefined);
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
