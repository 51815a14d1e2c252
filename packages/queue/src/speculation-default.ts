import type { HyperionConfig } from '@hyperion/schema';
import type { GitRepository } from '@hyperion/git';
import type { SpeculationStore } from '@hyperion/store';
import type { QueueLogger } from './runtime.js';
import { objectStoreId } from './speculation-location.js';
import { StoreSpeculationBoard } from './speculation-store.js';

/**
 * The default board of a merge queue: in the store, for the config's target branch, in the object
 * database of `repository` (see `objectStoreId`). A candidate lives at most
 * three heartbeats (at least 3 s, at most the lease) without renewal; a build turn at most 10 s
 * (at most the lease).
 */
export function storeSpeculationBoardFor(
  store: SpeculationStore,
  repository: GitRepository,
  config: HyperionConfig,
  logger: QueueLogger,
): StoreSpeculationBoard {
  const { lease_ms: leaseMs, heartbeat_ms: heartbeatMs } = config.queue;
  return new StoreSpeculationBoard({
    store,
    targetBranch: config.target_branch,
    location: () => objectStoreId(repository.gitDirectory),
    hasCommit: async (commit) => (await repository.resolveRef(commit)) === commit,
    candidateTtlMs: Math.min(leaseMs, Math.max(3 * heartbeatMs, 3_000)),
    turnTtlMs: Math.min(leaseMs, 10_000),
    logger,
  });
}
