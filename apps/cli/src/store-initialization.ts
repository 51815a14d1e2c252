import { existsSync, renameSync } from 'node:fs';
import type { HyperionPaths } from '@hyperion/queue';
import { HyperionError } from '@hyperion/schema';
import { openSelectedStore, storeWayOut, withStoreWayOut } from './store-access.js';
import type { StoreSelection } from './store-selection.js';

/** What `hyperion init` does with the store. */
export type StoreAction = 'kept' | 'created' | 'replaced';

/** The store decision of `hyperion init`, made before anything is written. */
export interface StorePlan {
  /** Keep the valid store, create a new one where there is none, or replace an unusable one. */
  action: StoreAction;
  /** The store it is about. */
  selection: StoreSelection;
}

/** What init found at the store path. */
type StoreFinding = 'valid' | 'missing' | 'empty' | 'unusable';

async function findStore(
  paths: HyperionPaths,
  selection: StoreSelection,
): Promise<{ finding: StoreFinding; error?: HyperionError }> {
  try {
    await (await openSelectedStore(selection)).close();
    return { finding: 'valid' };
  } catch (error) {
    if (!HyperionError.isInstance(error)) throw error;
    const problem = error.details['problem'];
    if (error.code === 'store_missing')
      return { finding: problem === 'missing' ? 'missing' : 'empty', error };
    // A newer Hyperion's store is a valid queue: never replaced, whatever the flags say.
    if (error.code === 'store_corrupt' && problem !== 'newer_version') return { finding: 'unusable', error };
    throw withStoreWayOut(error, paths, selection);
  }
}

/**
 * A PostgreSQL database that does not exist, or holds other tables, is never created or replaced
 * by init: it names the database and the way out.
 */
function refusePostgres(paths: HyperionPaths, selection: StoreSelection, error: HyperionError | undefined) {
  return new HyperionError(
    error?.code ?? 'store_corrupt',
    `${error?.message ?? selection.location}: ${storeWayOut(paths, error?.details['problem'], selection)}`,
    { cause: error, details: error?.details ?? { path: selection.location } },
  );
}

/**
 * Decides, reading only, what `hyperion init` does with the store `selection` names. It never
 * replaces a valid store. In a repository that was initialized before (`initialized`: its config
 * exists), a missing, empty or unusable store is refused unless `newStore` asks for an empty queue
 * on purpose; in a new one, a missing or empty store is simply created. A PostgreSQL database must
 * exist, and one holding other tables is never replaced.
 */
export async function inspectStore(
  paths: HyperionPaths,
  selection: StoreSelection,
  options: { initialized: boolean; newStore: boolean },
): Promise<StorePlan> {
  const { finding, error } = await findStore(paths, selection);
  if (finding === 'valid') {
    if (options.newStore) {
      throw new HyperionError(
        'usage',
        `--new-store: ${selection.location} is a valid Hyperion store; init never replaces one (${selection.kind === 'sqlite' ? 'move it away yourself' : 'point the URL at an empty database'} to start over)`,
        { details: { path: selection.location } },
      );
    }
    return { action: 'kept', selection };
  }
  if (selection.kind === 'postgres') {
    if (finding === 'empty' && (options.newStore || !options.initialized))
      return { action: 'created', selection };
    if (finding !== 'empty') throw refusePostgres(paths, selection, error);
  } else {
    if (options.newStore) return { action: finding === 'missing' ? 'created' : 'replaced', selection };
    if (finding === 'missing' && !options.initialized) return { action: 'created', selection };
    if (finding === 'empty' && !options.initialized) return { action: 'created', selection };
  }
  const reason =
    finding === 'missing' ? `${error?.message ?? ''}, but ${paths.configFile} does` : (error?.message ?? '');
  const keptAside =
    finding === 'missing' || selection.kind === 'postgres' ? '' : ' (the old file is kept aside)';
  throw new HyperionError(
    error?.code ?? 'store_corrupt',
    `${reason}: restore it from a backup, or from a shipped log with 'hyperion log import <file> --into ${paths.root}'; or pass --new-store to start an empty queue on purpose${keptAside}`,
    { cause: error, details: error?.details ?? { path: selection.location } },
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
export async function createStore(plan: StorePlan): Promise<string | undefined> {
  if (plan.action === 'kept') return undefined;
  const { selection } = plan;
  const aside =
    plan.action === 'replaced' && selection.kind === 'sqlite' && existsSync(selection.file)
      ? moveAside(selection.file)
      : undefined;
  await (await openSelectedStore(selection, { create: true })).close();
  return aside;
}
