import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { HyperionError } from '@hyperion/schema';
import { MIGRATIONS, migrate } from './migrations.js';
import { WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from './wal-checkpoints.js';

/** How {@link openStoreDatabase} opens a store file. */
export interface OpenStoreDatabaseOptions {
  /**
   * Create the store when the file is missing or empty (zero bytes, or a SQLite file with no
   * tables at all). Without it, a missing or empty store is the error `store_missing`: an empty
   * queue is never made up from nothing.
   */
  create: boolean;
  /** How long to wait for another process's write lock. */
  busyTimeoutMs: number;
  /** SQLite `synchronous` setting. */
  synchronous: 'FULL' | 'NORMAL';
}

/** What went wrong with a store file, in `details.problem` of `store_missing`/`store_corrupt`. */
export type StoreFileProblem =
  | 'missing'
  | 'empty'
  | 'no_tables'
  | 'not_a_database'
  | 'damaged'
  | 'not_hyperion'
  | 'newer_version'
  | 'missing_table'
  | 'directory';

/** Every table the migrations create (read from their SQL, so a new migration is covered too). */
const HYPERION_TABLES: readonly string[] = MIGRATIONS.flatMap((migration) =>
  [...migration.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/gi)].map((match) => match[1]!),
);
const NEWEST_MIGRATION = Math.max(...MIGRATIONS.map((migration) => migration.version));

function storeError(
  code: 'store_missing' | 'store_corrupt',
  path: string,
  problem: StoreFileProblem,
  message: string,
  cause?: unknown,
): HyperionError {
  return new HyperionError(code, `store ${path} ${message}`, { cause, details: { path, problem } });
}

/** The size of the file at `path`, or undefined when there is none. */
function fileSize(path: string): number | undefined {
  try {
    const stats = statSync(path);
    if (stats.isDirectory())
      throw storeError('store_corrupt', path, 'directory', 'is a directory, not a file');
    return stats.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw translateOpenError(error, path);
  }
}

/**
 * Turns what SQLite or the file system threw while opening `path` into a HyperionError naming
 * the file: not a database or damaged (`store_corrupt`), or not writable (`permission_denied`).
 * Anything else is returned as it was.
 */
export function translateOpenError(error: unknown, path: string): unknown {
  if (HyperionError.isInstance(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB') {
    return storeError(
      'store_corrupt',
      path,
      'not_a_database',
      'is not a SQLite database (file is not a database)',
      error,
    );
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return storeError('store_corrupt', path, 'damaged', `is damaged (${reason})`, error);
  }
  if (code === 'SQLITE_READONLY_DIRECTORY') {
    return new HyperionError(
      'permission_denied',
      `cannot write the store: its directory ${dirname(path)} is read-only (SQLite needs to create ${path}-wal and ${path}-shm there)`,
      { cause: error, details: { path: dirname(path), store: path } },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return new HyperionError(
      'permission_denied',
      `cannot open the store ${path} for writing (${reason}): check that it and ${dirname(path)} are writable`,
      { cause: error, details: { path, store: path } },
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const where = (error as { path?: unknown }).path;
    const named = typeof where === 'string' ? where : path;
    return new HyperionError(
      'permission_denied',
      `cannot write ${named}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}`,
      { cause: error, details: { path: named, store: path } },
    );
  }
  return error;
}

/** The names of the tables in the database. */
function tableNames(database: Database.Database): string[] {
  const rows = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
    name: string;
  }>;
  return rows.map((row) => row.name);
}

/**
 * Checks, reading only, that an opened database is a Hyperion store (or, with `create`, a blank
 * one) that this version can work with.
 */
function checkSchema(database: Database.Database, path: string, create: boolean): void {
  const tables = tableNames(database);
  if (tables.includes('schema_migrations')) {
    const newest = (
      database.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
        version: number | null;
      }
    ).version;
    if (newest !== null && newest > NEWEST_MIGRATION) {
      throw storeError(
        'store_corrupt',
        path,
        'newer_version',
        `was written by a newer Hyperion (migration ${newest}; this one knows up to ${NEWEST_MIGRATION})`,
      );
    }
  } else if (tables.length === 0) {
    if (!create)
      throw storeError('store_missing', path, 'no_tables', 'is empty: it holds no Hyperion tables');
  } else {
    throw storeError(
      'store_corrupt',
      path,
      'not_hyperion',
      `is a SQLite database but not a Hyperion store (no schema_migrations table; it holds ${tables.slice(0, 5).join(', ')})`,
    );
  }
}

/** Applies pending migrations, then checks every Hyperion table is there. */
function migrateAndVerify(database: Database.Database, path: string): void {
  migrate(database);
  const present = new Set(tableNames(database));
  const absent = HYPERION_TABLES.filter((table) => !present.has(table));
  if (absent.length > 0) {
    throw storeError(
      'store_corrupt',
      path,
      'missing_table',
      `lacks Hyperion's table(s) ${absent.join(', ')}`,
    );
  }
}

/**
 * Opens the SQLite file of a Hyperion store (WAL, the given `synchronous`, foreign keys on) and
 * brings it to the newest migration. Without `create`, only an existing Hyperion store opens:
 * a missing or empty file is `store_missing`, anything else that is not Hyperion's store is
 * `store_corrupt`, and a read-only file or directory is `permission_denied` — each naming the file.
 * Nothing is created or changed on disk when it fails that way.
 */
export function openStoreDatabase(path: string, options: OpenStoreDatabaseOptions): Database.Database {
  const size = fileSize(path);
  if (!options.create) {
    if (size === undefined) throw storeError('store_missing', path, 'missing', 'does not exist');
    if (size === 0) throw storeError('store_missing', path, 'empty', 'is empty (0 bytes)');
  } else if (size === undefined) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw translateOpenError(error, path);
    }
  }
  let database: Database.Database;
  try {
    database = new Database(path, { timeout: options.busyTimeoutMs, fileMustExist: !options.create });
  } catch (error) {
    throw translateOpenError(error, path);
  }
  try {
    checkSchema(database, path, options.create);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.synchronous}`);
    database.pragma('foreign_keys = ON');
    // Checkpoints run off the commit path (see wal-checkpoints.ts); these bound the WAL meanwhile.
    database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    migrateAndVerify(database, path);
    return database;
  } catch (error) {
    database.close();
    throw translateOpenError(error, path);
  }
}
