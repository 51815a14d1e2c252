import { resolve } from 'node:path';
import { GitRepository } from '@hyperion/git';
import type { HyperionPaths } from '@hyperion/queue/workspace';
import type { HyperionConfig } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';
import type { StoreSelection } from './store-selection.js';

/** What a command that reads or writes the store of an initialized repository needs. */
export interface StoreContext {
  repository: GitRepository;
  paths: HyperionPaths;
  config: HyperionConfig;
  store: HyperionStore;
  /** Which store `store` is (a SQLite file or a PostgreSQL database). */
  storeSelection: StoreSelection;
  /** Closes the store. */
  close(): Promise<void>;
}

/** Options shared by every command that works on a repository. */
export interface RepositoryOptions {
  /** The repository directory (default: the current directory). */
  repo?: string;
  /** Run the queue without moving any ref. */
  dryRun?: boolean;
  /** Harness for re-dispatching conflicted pipeline entries (`--agent`). */
  agent?: string;
}

/**
 * Opens the repository, its config and its store. Order matters for clear errors: a missing
 * repository is reported before a missing `.hyperion/`, which is reported before a bad config,
 * which is reported before a missing, empty or corrupt store (never read as an empty queue).
 */
export async function openStoreContext(options: RepositoryOptions): Promise<StoreContext> {
  const opened = GitRepository.open(resolve(options.repo ?? '.'));
  // The config and store modules (better-sqlite3 among them) load while git runs; a failure to
  // load them is reported only once the repository is found.
  const opening = import('./store-opening.js');
  opening.catch(() => undefined);
  const repository = await opened;
  const { openRepositoryStore } = await opening;
  const { paths, config, storeSelection, store } = await openRepositoryStore(repository.root);
  return { repository, paths, config, store, storeSelection, close: () => store.close() };
}

/**
 * Runs `work` with `context` and always closes it. A store that turns out read-only or damaged
 * mid-command is named, with the way out.
 */
export async function runWithContext<C extends StoreContext, T>(
  context: C,
  work: (context: C) => Promise<T>,
): Promise<T> {
  try {
    return await work(context);
  } catch (error) {
    const { translateOpenError, withStoreWayOut } = await import('./store-opening.js');
    throw withStoreWayOut(
      context.storeSelection.kind === 'sqlite' ? translateOpenError(error, context.store.location) : error,
      context.paths,
      context.storeSelection,
    );
  } finally {
    await context.close();
  }
}

/** Runs `work` with an open store context and always closes it. */
export async function withStoreContext<T>(
  options: RepositoryOptions,
  work: (context: StoreContext) => Promise<T>,
): Promise<T> {
  return runWithContext(await openStoreContext(options), work);
}
