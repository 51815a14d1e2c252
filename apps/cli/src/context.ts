import type { RepositoryContext, RepositoryOptions, StoreContext } from './repository-context.js';

export type { RepositoryContext, RepositoryOptions, StoreContext } from './repository-context.js';

/*
 * The commands' way into a repository. Opening one needs git, the store and (for most commands)
 * the merge queue: those are loaded here, when a command runs, never when the CLI starts, so
 * `--help`, a usage error or a command that does not need them does not pay for them.
 */

/**
 * Runs `work` with an open repository context (git, config, store, merge queue, logger) and
 * always closes it.
 */
export async function withRepository<T>(
  options: RepositoryOptions,
  work: (context: RepositoryContext) => Promise<T>,
): Promise<T> {
  const { withRepositoryContext } = await import('./repository-context.js');
  return withRepositoryContext(options, work);
}

/**
 * Runs `work` with the repository's config and store only (no merge queue, no logger, no agent
 * harness): for the commands that read the store. Errors are the same as {@link withRepository}'s.
 */
export async function withStore<T>(
  options: RepositoryOptions,
  work: (context: StoreContext) => Promise<T>,
): Promise<T> {
  const { withStoreContext } = await import('./store-context.js');
  return withStoreContext(options, work);
}
