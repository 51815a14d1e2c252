import { existsSync } from 'node:fs';
import type { HyperionPaths } from '@hyperion/queue';
import { HyperionError, type HyperionConfig } from '@hyperion/schema';
import { SqliteStore, type HyperionStore } from '@hyperion/store';
import { selectStore, type StoreSelection } from './store-selection.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Create a missing or empty store (only `hyperion init` and `log import` do). */
  create?: boolean;
  /** The repository's parsed config, when the caller has it (read from its file otherwise). */
  config?: HyperionConfig;
}

function postgresWayOut(
  selection: StoreSelection & { kind: 'postgres' },
  paths: HyperionPaths,
  problem: unknown,
) {
  const restore = `restore it from a backup (pg_dump/pg_restore), or from a shipped log with 'hyperion log import <file> --into ${paths.root}'`;
  const fresh = `or create Hyperion's tables in it for an empty queue on purpose with 'hyperion init --new-store --repo ${paths.root}'`;
  const check = `check that ${selection.source} names the queue's database`;
  if (problem === 'missing') return `${check}; once the database exists, ${restore}; ${fresh}`;
  if (problem === 'no_tables') return `${check}; or ${restore}; ${fresh}`;
  return `${check}: Hyperion never changes a database holding other tables; point it at an empty database and ${restore}`;
}

/**
 * The way out of a missing, empty or unusable store, for the end of its one-line error: restore
 * the queue, or start an empty one on purpose. Hyperion never does either by itself.
 */
export function storeWayOut(paths: HyperionPaths, problem: unknown, selection?: StoreSelection): string {
  if (problem === 'newer_version') return 'run this repository with that newer Hyperion';
  if (selection?.kind === 'postgres') return postgresWayOut(selection, paths, problem);
  const restore = `restore it from a backup, or from a shipped log with 'hyperion log restore --from <dir> --db ${paths.databaseFile}' or 'hyperion log import <file> --into ${paths.root}'`;
  const fresh = `or start an empty queue on purpose with 'hyperion init --new-store --repo ${paths.root}'`;
  if (problem === 'missing' || problem === 'empty' || problem === 'no_tables') return `${restore}; ${fresh}`;
  return `move it aside and ${restore}; ${fresh} (it keeps the old file beside the new one)`;
}

/** `error` with the way out appended, when it is a missing or unusable store. */
export function withStoreWayOut(error: unknown, paths: HyperionPaths, selection?: StoreSelection): unknown {
  if (!HyperionError.isInstance(error)) return error;
  if (error.code !== 'store_missing' && error.code !== 'store_corrupt') return error;
  return new HyperionError(
    error.code,
    `${error.message}: ${storeWayOut(paths, error.details['problem'], selection)}`,
    {
      cause: error,
      details: error.details,
    },
  );
}

/**
 * Opens the store `selection` names. PostgreSQL's client is loaded only here, only for a
 * PostgreSQL store, so SQLite users never load it.
 */
export async function openSelectedStore(
  selection: StoreSelection,
  options: { create?: boolean; config?: HyperionConfig } = {},
): Promise<HyperionStore> {
  const create = options.create === true;
  if (selection.kind === 'sqlite') return SqliteStore.open(selection.file, { create });
  const { PostgresStore } = await import('@hyperion/store-postgres');
  // A connection per worker and some to spare, so busy workers never wait on each other.
  const poolSize = options.config === undefined ? undefined : options.config.workers + 3;
  return PostgresStore.open(selection.url, { create, ...(poolSize === undefined ? {} : { poolSize }) });
}

/**
 * Opens the store of the repository at `paths`: the one place the CLI chooses and opens a store
 * (see `selectStore`: the SQLite file `.hyperion/hyperion.db` or `HYPERION_STORE_FILE`, or the
 * PostgreSQL database `HYPERION_DATABASE_URL` or the config's `store.url` names). With `create`,
 * a missing or empty store is created; without it, it is `store_missing`. Errors name the file or
 * the database (never a password).
 */
export async function openStore(
  paths: HyperionPaths,
  options: OpenStoreOptions = {},
): Promise<HyperionStore> {
  return openSelectedStore(selectStore(paths, options.config), options);
}

/**
 * Opens the existing store of an initialized repository. Only `hyperion init` creates a store:
 * a missing, empty or corrupt one is an error naming the file or database and the way out, never
 * an empty queue. Throws `not_initialized` when there is no `.hyperion/` at all.
 */
export async function openExistingStore(
  paths: HyperionPaths,
  config?: HyperionConfig,
): Promise<HyperionStore> {
  if (!existsSync(paths.directory)) {
    throw new HyperionError('not_initialized', `${paths.root} has no .hyperion/: run 'hyperion init' first`, {
      details: { root: paths.root },
    });
  }
  const selection = selectStore(paths, config);
  try {
    return await openSelectedStore(selection, config === undefined ? {} : { config });
  } catch (error) {
    throw withStoreWayOut(error, paths, selection);
  }
}
