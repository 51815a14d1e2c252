import { existsSync, renameSync } from 'node:fs';
import type { HyperionPaths } from '@hyperion/queue';
import { HyperionError } from '@hyperion/schema';
import { openStore, withStoreWayOut } from './store-access.js';

/** What `hyperion init` does with the store. */
export type StoreAction = 'kept' | 'created' | 'replaced';

/** The store decision of `hyperion init`, made before anything is written. */
export interface StorePlan {
  /** Keep the valid store, create a new one where there is none, or replace an unusable one. */
  action: StoreAction;
}

/** What init found at the store path. */
type StoreFinding = 'valid' | 'missing' | 'empty' | 'unusable';

async function findStore(paths: HyperionPaths): Promise<{ finding: StoreFinding; error?: HyperionError }> {
  try {
    await (await openStore(paths)).close();
    return { finding: 'valid' };
  } catch (error) {
    if (!HyperionError.isInstance(error)) throw error;
    const problem = error.details['problem'];
    if (error.code === 'store_missing')
      return { finding: problem === 'missing' ? 'missing' : 'empty', error };
    // A newer Hyperion's store is a valid queue: never replaced, whatever the flags say.
    if (error.code === 'store_corrupt' && problem !== 'newer_version') return { finding: 'unusable', error };
    throw withStoreWayOut(error, paths);
  }
}

/**
 * Decides, reading only, what `hyperion init` does with the store. It never replaces a valid
 * store. In a repository that was initialized before (`initialized`: its config exists), a
 * missing, empty or unusable store is refused unless `newStore` asks for an empty queue on
 * purpose; in a new one, a missing or empty store is simply created.
 */
export async function inspectStore(
  paths: HyperionPaths,
  options: { initialized: boolean; newStore: boolean },
): Promise<StorePlan> {
  const { finding, error } = await findStore(paths);
  if (finding === 'valid') {
    if (options.newStore) {
      throw new HyperionError(
        'usage',
        `--new-store: ${paths.databaseFile} is a valid Hyperion store; init never replaces one (move it away yourself to start over)`,
        { details: { path: paths.databaseFile } },
      );
    }
    return { action: 'kept' };
  }
  if (options.newStore) return { action: finding === 'missing' ? 'created' : 'replaced' };
  if (finding === 'missing' && !options.initialized) return { action: 'created' };
  if (finding === 'empty' && !options.initialized) return { action: 'created' };
  const reason =
    finding === 'missing' ? `${error?.message ?? ''}, but ${paths.configFile} does` : (error?.message ?? '');
  throw new HyperionError(
    error?.code ?? 'store_corrupt',
    `${reason}: restore it from a backup, or from a shipped log with 'hyperion log import <file> --into ${paths.root}'; or pass --new-store to start an empty queue on purpose${finding === 'missing' ? '' : ' (the old file is kept aside)'}`,
    { cause: error, details: error?.details ?? { path: paths.databaseFile } },
  );
}

/** Moves `file` (and its WAL files) aside; returns the new name of the store file. */
function moveAside(file: string): string {
  const aside = `${file}.unusable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${aside}${suffix}`);
  }
  return aside;
}

/**
 * Carries out `plan`: creates the store, or moves the unusable file aside (it is never deleted)
 * and creates a new one. Returns where the old file was kept, if it was moved.
 */
export async function createStore(paths: HyperionPaths, plan: StorePlan): Promise<string | undefined> {
  if (plan.action === 'kept') return undefined;
  const aside =
    plan.action === 'replaced' && existsSync(paths.databaseFile) ? moveAside(paths.databaseFile) : undefined;
  await (await openStore(paths, { create: true })).close();
  return aside;
}
