import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { GitRepository } from '@hyperion/git';
import { MergeQueue, hyperionPaths, loadConfig, type HyperionPaths } from '@hyperion/queue';
import type { HyperionConfig } from '@hyperion/schema';
import { translateOpenError, type HyperionStore } from '@hyperion/store';
import { redispatchConflictedEntry } from '@hyperion/orchestrator';
import { selectHarness } from './harness-selection.js';
import { createLogger } from './logger.js';
import { openExistingStore, withStoreWayOut } from './store-access.js';
import { selectStore, type StoreSelection } from './store-selection.js';

/** Everything a command working on an initialized repository needs. */
export interface RepositoryContext {
  repository: GitRepository;
  paths: HyperionPaths;
  config: HyperionConfig;
  store: HyperionStore;
  /** Which store `store` is (a SQLite file or a PostgreSQL database). */
  storeSelection: StoreSelection;
  queue: MergeQueue;
  logger: Logger;
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
export async function openRepositoryContext(options: RepositoryOptions): Promise<RepositoryContext> {
  const repository = await GitRepository.open(resolve(options.repo ?? '.'));
  const paths = hyperionPaths(repository.root);
  const config = loadConfig(paths);
  const storeSelection = selectStore(paths, config);
  const store = await openExistingStore(paths, config);
  const logger = createLogger(paths.logsDirectory);
  const queue: MergeQueue = new MergeQueue({
    store,
    repository,
    config,
    worktreesDirectory: paths.worktreesDirectory,
    logger,
    dryRun: options.dryRun === true ? true : undefined,
    onConflicted: async (entry) => {
      if (entry.request_id === null) return;
      const outcome = await redispatchConflictedEntry(entry.id, {
        store,
        queue,
        repository,
        harness: selectHarness(options.agent, config),
        worktreesDirectory: paths.worktreesDirectory,
      });
      logger.info(
        { entry: entry.id, outcome: outcome.outcome },
        'conflicted entry re-dispatched to its developer',
      );
    },
  });
  return { repository, paths, config, store, storeSelection, queue, logger, close: () => store.close() };
}

/** Runs `work` with an open context and always closes it. */
export async function withRepository<T>(
  options: RepositoryOptions,
  work: (context: RepositoryContext) => Promise<T>,
): Promise<T> {
  const context = await openRepositoryContext(options);
  try {
    return await work(context);
  } catch (error) {
    // A store that turns out read-only or damaged mid-command is named, with the way out.
    throw withStoreWayOut(
      context.storeSelection.kind === 'sqlite' ? translateOpenError(error, context.store.location) : error,
      context.paths,
      context.storeSelection,
    );
  } finally {
    await context.close();
  }
}
