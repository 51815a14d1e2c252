import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { describeStoreConformance } from '@hyperion/store/testing';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';
import { PostgresStore } from './postgres-store.js';

let server: PostgresTestServer;

beforeAll(async () => {
  server = await startPostgresServer();
});

afterAll(async () => {
  await server?.stop();
});

describeStoreConformance('PostgreSQL', async ({ clock }) => {
  const url = await server.createDatabase();
  return {
    store: await PostgresStore.open(url, { create: true, clock }),
    openAnother: () => PostgresStore.open(url, { clock }),
    childProcess: {
      module: fileURLToPath(new URL('../test/child-store.mjs', import.meta.url)),
      argument: url,
    },
  };
});
