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
 * tiers (resolver agent, re-dispatch of its developer, quarantine), and so does the conflicted
 * entry of a resolution that the queue quarantined: the orchestrator and the agent harnesses are
 * loaded only when that happens.
 */
export async function openRepositoryContext(options: RepositoryOptions): Promise<RepositoryContext> {
  const storeContext = await openStoreContext(options);
  const { repository, paths, config, store } = storeContext;
  const logger = createLogger(paths.logsDirectory);
  // The orchestrator and the harnesses, loaded when an entry first needs the conflict tiers.
  const conflictTierOptions = async () => {
    const [orchestrator, { selectHarness, selectResolverHarness }] = await Promise.all([
      import('@hyperion/orchestrator'),
      import('./harness-selection.js'),
    ]);
    const tierOptions = {
      store,
      queue,
      repository,
      harness: selectHarness(options.agent, config),
      resolverHarness: selectResolverHarness(options.agent, config),
      worktreesDirectory: paths.worktreesDirectory,
    };
    return { orchestrator, options: tierOptions };
  };
  const queue: MergeQueue = new MergeQueue({
    store,
    repository,
    config,
    worktreesDirectory: paths.worktreesDirectory,
    logger,
    dryRun: options.dryRun === true ? true : undefined,
    onConflicted: async (entry) => {
      if (entry.request_id === null) return;
      const tiers = await conflictTierOptions();
      const outcome = await tiers.orchestrator.handleConflictedEntry(entry.id, tiers.options);
      logger.info(
        { entry: entry.id, outcome: outcome.outcome, tiers: outcome.tiers },
        'conflicted entry went through the conflict tiers',
      );
    },
    onQuarantined: async (entry) => {
      // Only a conflict resolution of a request goes on to further tiers when it fails: anything
      // else is left alone without loading the orchestrator or any harness.
      if (entry.request_id === null) return;
      const submitted = (await store.listEvents({ entryId: entry.id, limit: 1 }))[0];
      if (typeof submitted?.data['resolution_of'] !== 'string') return;
      const tiers = await conflictTierOptions();
      const outcome = await tiers.orchestrator.handleFailedResolution(entry.id, tiers.options);
      if (outcome === undefined) return;
      logger.info(
        { entry: entry.id, outcome: outcome.outcome, tiers: outcome.tiers },
        'a failed resolution sent its conflicted entry on through the conflict tiers',
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
