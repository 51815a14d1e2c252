/**
 * A real PostgreSQL server for a test file: start it in `beforeAll`, give each test a fresh
 * database with `createDatabase()`, stop it in `afterAll`. The logic lives in
 * `postgres-server-core.mjs` so the benchmark script can use it without a build.
 */
export {
  findPostgresBinaries,
  startPostgresServer,
  type PostgresTestServer,
  type PostgresTestServerOptions,
} from './postgres-server-core.mjs';
