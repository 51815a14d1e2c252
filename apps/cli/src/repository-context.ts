import type { Logger } from 'pino';
import { MergeQueue } from '@hyperion/queue';
import { createLogger } from './logger.js';
import {
  openStoreContext,
  runWithContext,
  type RepositoryOptions,
  type StoreContext,
} from './store-context.js';

export type { RepositoryOptions, StoreContext } from './store-context.js';

/** Everything a command working on an initialized repository needs. */
export interface RepositoryContext extends StoreContext {
  queue: MergeQueue;
  logger: Logger;
}

/**
 * Opens the repository, its config and its store (see `openStoreContext` for the order of its
 * errors), then the merge queue over them. A conflicted pipeline entry goes through the conflict
 * tiers (resolver agent, re-dispatch of its developer, quarantine): the orchestrator and the agent
 * harnesses are loaded only when that happens.
 */
export async function openRepositoryContext(options: RepositoryOptions): Promise<RepositoryContext> {
  const storeContext = await openStoreContext(options);
  const { repository, paths, config, store } = storeContext;
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
      const [{ handleConflictedEntry }, { selectHarness, selectResolverHarness }] = await Promise.all([
        import('@hyperion/orchestrator'),
        import('./harness-selection.js'),
      ]);
      const outcome = await handleConflictedEntry(entry.id, {
        store,
        queue,
        repository,
        harness: selectHarness(options.agent, config),
        resolverHarness: selectResolverHarness(options.agent, config),
        worktreesDirectory: paths.worktreesDirectory,
      });
      logger.info(
        { entry: entry.id, outcome: outcome.outcome, tiers: outcome.tiers },
        'conflicted entry went through the conflict tiers',
      );
    },
  });
  return { ...storeContext, queue, logger };
}

/** Runs `work` with an open context and always closes it. */
export async function withRepositoryContext<T>(
  options: RepositoryOptions,
  work: (context: RepositoryContext) => Promise<T>,
): Promise<T> {
  return runWithContext(await openRepositoryContext(options), work);
}
