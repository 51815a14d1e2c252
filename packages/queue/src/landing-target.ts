import { LocalBranchTarget, RemoteBranchTarget, type GitRepository, type LandingTarget } from '@hyperion/git';
import type { HyperionConfig } from '@hyperion/schema';

/**
 * The landing target the config chooses: the config's `remote` (its `target_branch`, fetched and
 * landed by push, see `RemoteBranchTarget`) when it names one, else the repository's own branch.
 */
export function landingTargetFor(repository: GitRepository, config: HyperionConfig): LandingTarget {
  return config.remote === undefined
    ? new LocalBranchTarget(repository)
    : new RemoteBranchTarget(repository, { remote: config.remote });
}
