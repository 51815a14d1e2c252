import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';
import { PostgresStore } from './postgres-store.js';

let server: PostgresTestServer;

beforeAll(async () => {
  server = await startPostgresServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('PostgresStore.listEventsSince', () => {
  it('can read a window through change_queue_logs_by_time (the shape of its query), whatever the collation', async () => {
    const url = await server.createDatabase();
    const store = await PostgresStore.open(url, { create: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // With sequential scans priced out, a plan without the index would mean it cannot serve.
      await client.query('SET enable_seqscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM change_queue_logs WHERE at COLLATE "C" >= $1
           AND (at COLLATE "C", id) > ($2 COLLATE "C", $3) ORDER BY at COLLATE "C", id LIMIT $4`,
        ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 0, 100],
      );
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(
        /Index Scan (?:using|on) change_queue_logs_by_time/,
      );
    } finally {
      await client.end();
      await store.close();
    }
  });
});
