import { existsSync } from 'node:fs';
import type { HyperionPaths } from '@hyperion/queue';
import { HyperionError } from '@hyperion/schema';
import { SqliteStore, type HyperionStore } from '@hyperion/store';

/**
 * The way out of a missing, empty or unusable store, for the end of its one-line error: restore
 * the queue, or start an empty one on purpose. Hyperion never does either by itself.
 */
export function storeWayOut(paths: HyperionPaths, problem: unknown): string {
  if (problem === 'newer_version') return 'run this repository with that newer Hyperion';
  const restore = `restore it from a backup, or from a shipped log with 'hyperion log import <file> --into ${paths.root}'`;
  const fresh = `or start an empty queue on purpose with 'hyperion init --new-store --repo ${paths.root}'`;
  if (problem === 'missing' || problem === 'empty' || problem === 'no_tables') return `${restore}; ${fresh}`;
  return `move it aside and ${restore}; ${fresh} (it keeps the old file beside the new one)`;
}

/** `error` with the way out appended, when it is a missing or unusable store. */
export function withStoreWayOut(error: unknown, paths: HyperionPaths): unknown {
  if (!HyperionError.isInstance(error)) return error;
  if (error.code !== 'store_missing' && error.code !== 'store_corrupt') return error;
  return new HyperionError(error.code, `${error.message}: ${storeWayOut(paths, error.details['problem'])}`, {
    cause: error,
    details: error.details,
  });
}

/**
 * Opens the store of the repository at `paths`: the one place the CLI chooses and opens a store
 * (the SQLite file `.hyperion/hyperion.db`). With `create`, a missing or empty store is created;
 * without it, it is `store_missing`. Errors name the file (see `SqliteStore.open`).
 */
export async function openStore(
  paths: HyperionPaths,
  options: { create?: boolean } = {},
): Promise<HyperionStore> {
  return Promise.resolve(SqliteStore.open(paths.databaseFile, { create: options.create === true }));
}

/**
 * Opens the existing store of an initialized repository. Only `hyperion init` creates a store:
 * a missing, empty or corrupt one is an error naming the file and the way out, never an empty
 * queue. Throws `not_initialized` when there is no `.hyperion/` at all.
 */
export async function openExistingStore(paths: HyperionPaths): Promise<HyperionStore> {
  if (!existsSync(paths.directory)) {
    throw new HyperionError('not_initialized', `${paths.root} has no .hyperion/: run 'hyperion init' first`, {
      details: { root: paths.root },
    });
  }
  try {
    return await openStore(paths);
  } catch (error) {
    throw withStoreWayOut(error, paths);
  }
}
