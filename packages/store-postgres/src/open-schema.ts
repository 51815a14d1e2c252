import type { Pool, PoolClient } from 'pg';
import { HyperionError } from '@hyperion/schema';
import { NEWEST_POSTGRES_MIGRATION, POSTGRES_MIGRATIONS, POSTGRES_TABLES } from './migrations.js';
import type { StoreEndpoint } from './store-url.js';
import { translatePostgresError } from './translate-error.js';

/** The session-level advisory lock held while one process checks and migrates the schema. */
const MIGRATION_LOCK = 0x48595052_0002n;

function storeError(
  code: 'store_missing' | 'store_corrupt',
  endpoint: StoreEndpoint,
  problem: string,
  message: string,
): HyperionError {
  return new HyperionError(code, `store ${endpoint.location} ${message}`, {
    details: { path: endpoint.location, problem, host: endpoint.host, port: endpoint.port },
  });
}

async function tableNames(client: PoolClient): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  );
  return result.rows.map((row) => row.name);
}

/** Checks the database is a Hyperion store this version can use (or, with `create`, an empty one). */
async function checkSchema(client: PoolClient, endpoint: StoreEndpoint, create: boolean): Promise<void> {
  const tables = await tableNames(client);
  if (tables.includes('hyperion_migrations')) {
    const result = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM hyperion_migrations',
    );
    const newest = result.rows[0]?.version ?? null;
    if (newest !== null && newest > NEWEST_POSTGRES_MIGRATION) {
      throw storeError(
        'store_corrupt',
        endpoint,
        'newer_version',
        `was written by a newer Hyperion (migration ${newest}; this one knows up to ${NEWEST_POSTGRES_MIGRATION})`,
      );
    }
  } else if (tables.length === 0) {
    if (!create)
      throw storeError('store_missing', endpoint, 'no_tables', 'is empty: it holds no Hyperion tables');
  } else {
    throw storeError(
      'store_corrupt',
      endpoint,
      'not_hyperion',
      `is a PostgreSQL database but not a Hyperion store (no hyperion_migrations table; it holds ${tables.slice(0, 5).join(', ')})`,
    );
  }
}

/** Applies the pending migrations, each in its own transaction, then checks every table is there. */
async function migrate(client: PoolClient, endpoint: StoreEndpoint): Promise<void> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS hyperion_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(
    (await client.query<{ version: number }>('SELECT version FROM hyperion_migrations')).rows.map(
      (row) => row.version,
    ),
  );
  for (const migration of POSTGRES_MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO hyperion_migrations (version, description, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.description, new Date().toISOString()],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  }
  const present = new Set(await tableNames(client));
  const absent = POSTGRES_TABLES.filter((table) => !present.has(table));
  if (absent.length > 0) {
    throw storeError(
      'store_corrupt',
      endpoint,
      'missing_table',
      `lacks Hyperion's table(s) ${absent.join(', ')}`,
    );
  }
}

/**
 * Checks and migrates the store's schema under an advisory lock, so processes opening the same
 * database at once never race: a database without Hyperion's tables is `store_missing` unless
 * `create`; foreign tables or a newer schema are `store_corrupt`. Nothing changes when it fails.
 */
export async function prepareSchema(pool: Pool, endpoint: StoreEndpoint, create: boolean): Promise<void> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePostgresError(error, endpoint);
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await checkSchema(client, endpoint, create);
      await migrate(client, endpoint);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } catch (error) {
    throw translatePostgresError(error, endpoint);
  } finally {
    client.release();
  }
}
