import type { GitRepository } from './git-repository.js';
import type { LandingProof } from './hyperion-trailers.js';
import type { LandCommitResult } from './land-commit.js';

/**
 * The branch Hyperion lands on, wherever it lives: a branch of the repository itself
 * ({@link LocalBranchTarget}) or a branch of a git remote that several clones land on
 * (`RemoteBranchTarget`). Every method takes the branch name (as in `refs/heads/<branch>`).
 * The worker reads the tip, checks whether a change already landed and lands through this one
 * object; {@link LandingTarget.land} is a compare-and-swap, so a stale read only costs a lost race.
 */
export interface LandingTarget {
  /** `local` for a branch of this repository, `remote` for a branch of a git remote. */
  readonly kind: 'local' | 'remote';
  /** How messages name the branch: `'main'`, or `'main' on remote 'origin'`. */
  describe(branch: string): string;
  /**
   * The branch's current tip, read from where it lives (a remote is fetched now, so its commits
   * are in this repository afterwards). Throws `HyperionError('branch_not_found')` when the
   * branch does not exist there.
   */
  tip(branch: string): Promise<string>;
  /**
   * The tip as this repository last saw it, without asking a remote (for a remote: its
   * remote-tracking ref), or undefined when it has never been seen. Cheap; may be stale.
   */
  knownTip(branch: string): Promise<string | undefined>;
  /**
   * Like {@link LandingTarget.knownTip}, but reads the real tip when none is known, and throws
   * `branch_not_found` when there is none: a cheap "is there a branch to land on" check.
   */
  requireKnownTip(branch: string): Promise<string>;
  /**
   * The newest first-parent commit of the branch (as last read by {@link LandingTarget.tip})
   * carrying Hyperion's exact landing proof of `proof`, or undefined: see
   * `GitRepository.findLandedChange`.
   */
  findLandedChange(branch: string, proof: LandingProof): Promise<string | undefined>;
  /**
   * Moves the branch from `expectedOldCommit` to `newCommit` (a commit of this repository) if,
   * and only if, it still holds `expectedOldCommit`, atomically where the branch lives. A branch
   * that moved meanwhile is `race_lost` with its current tip; see {@link LandCommitResult}.
   */
  land(branch: string, newCommit: string, expectedOldCommit: string): Promise<LandCommitResult>;
}

/**
 * The target branch is a branch of the repository itself: reads go to `refs/heads/<branch>` and a
 * landing is `GitRepository.landCommit` (a compare-and-swap by `git update-ref`, git's
 * `updateInstead` rule for a branch checked out in a worktree, under the cross-process landing lock).
 */
export class LocalBranchTarget implements LandingTarget {
  /** Always `local`. */
  readonly kind = 'local';
  private readonly repository: GitRepository;

  /** A target on the branches of `repository`. */
  constructor(repository: GitRepository) {
    this.repository = repository;
  }

  /** The branch name, quoted. */
  describe(branch: string): string {
    return `'${branch}'`;
  }

  /** `GitRepository.requireBranch`. */
  tip(branch: string): Promise<string> {
    return this.repository.requireBranch(branch);
  }

  /** `refs/heads/<branch>`, or undefined when there is none. */
  knownTip(branch: string): Promise<string | undefined> {
    return this.repository.resolveRef(`refs/heads/${branch}`);
  }

  /** The same as {@link LocalBranchTarget.tip}: a local read is already cheap and current. */
  requireKnownTip(branch: string): Promise<string> {
    return this.repository.requireBranch(branch);
  }

  /** `GitRepository.findLandedChange` on `refs/heads/<branch>`. */
  findLandedChange(branch: string, proof: LandingProof): Promise<string | undefined> {
    return this.repository.findLandedChange(branch, proof);
  }

  /** `GitRepository.landCommit`. */
  land(branch: string, newCommit: string, expectedOldCommit: string): Promise<LandCommitResult> {
    return this.repository.landCommit(branch, newCommit, expectedOldCommit);
  }
}
