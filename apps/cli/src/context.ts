import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { GitRepository } from '@hyperion/git';
import { MergeQueue, hyperionPaths, loadConfig, type HyperionPaths } from '@hyperion/queue';
import type { HyperionConfig } from '@hyperion/schema';
import { HyperionStore } from '@hyperion/store';
import { createLogger } from './logger.js';

/** Everything a command working on an initialized repository needs. */
export interface RepositoryContext {
  repository: GitRepository;
  paths: HyperionPaths;
  config: HyperionConfig;
  store: HyperionStore;
  queue: MergeQueue;
  logger: Logger;
  /** Closes the store. */
  close(): void;
}

/** Options shared by every command that works on a repository. */
export interface RepositoryOptions {
  /** The repository directory (default: the current directory). */
  repo?: string;
  /** Run the queue without moving any ref. */
  dryRun?: boolean;
}

/**
 * Opens the repository, its config and its store. Order matters for clear errors: a missing
 * repository is reported before a missing `.hyperion/`, which is reported before a bad config.
 */
export async function openRepositoryContext(options: RepositoryOptions): Promise<RepositoryContext> {
  const repository = await GitRepository.open(resolve(options.repo ?? '.'));
  const paths = hyperionPaths(repository.root);
  const config = loadConfig(paths);
  const logger = createLogger(paths.logsDirectory);
  const store = HyperionStore.open(paths.databaseFile);
  const queue = new MergeQueue({
    store,
    repository,
    config,
    worktreesDirectory: paths.worktreesDirectory,
    logger,
    dryRun: options.dryRun === true ? true : undefined,
  });
  return { repository, paths, config, store, queue, logger, close: () => store.close() };
}

/** Runs `work` with an open context and always closes it. */
export async function withRepository<T>(
  options: RepositoryOptions,
  work: (context: RepositoryContext) => Promise<T>,
): Promise<T> {
  const context = await openRepositoryContext(options);
  try {
    return await work(context);
  } finally {
    context.close();
  }
}
