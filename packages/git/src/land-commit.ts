import type { GitRepository } from './git-repository.js';
import { firstNonEmptyLine, runGit } from './run-git.js';
import { withLandingLock } from './landing-lock.js';
import { Worktree } from './worktree.js';

/** Outcome of {@link landCommitOnBranch}. */
export type LandCommitResult =
  | { status: 'landed'; commit: string }
  | { status: 'race_lost'; currentTip: string | undefined }
  | { status: 'held'; reason: string; worktreePath: string };

/**
 * Moves `branch` from `expectedOldCommit` to `newCommit` by compare-and-swap, following git's
 * `receive.denyCurrentBranch=updateInstead` rule: when the branch is checked out in a worktree,
 * that worktree must be clean; its index and files are moved with the ref (and moved back if the
 * compare-and-swap then loses). A dirty worktree holds the landing and nothing moves. Those two
 * steps run under a cross-process landing lock so concurrent landers never interleave them.
 */
export async function landCommitOnBranch(
  repository: GitRepository,
  branch: string,
  newCommit: string,
  expectedOldCommit: string,
): Promise<LandCommitResult> {
  const ref = `refs/heads/${branch}`;
  const reason = `hyperion: land ${newCommit} on ${branch}`;
  const worktreePath = await repository.worktreeWithBranch(branch);
  const raceLost = async (): Promise<LandCommitResult> => ({
    status: 'race_lost',
    currentTip: await repository.resolveRef(ref),
  });
  if (worktreePath === undefined) {
    const swapped = await repository.compareAndSwapRef(ref, newCommit, expectedOldCommit, reason);
    return swapped ? { status: 'landed', commit: newCommit } : raceLost();
  }
  return withLandingLock(repository.gitDirectory, async () => {
    if ((await repository.resolveRef(ref)) !== expectedOldCommit) return raceLost();
    if (!(await new Worktree(worktreePath, repository).isClean())) {
      return {
        status: 'held',
        reason: `the working tree at ${worktreePath} has local changes; commit, stash or discard them (or check out another branch there) so that '${branch}' can move`,
        worktreePath,
      };
    }
    const update = await runGit(['read-tree', '-u', '-m', expectedOldCommit, newCommit], {
      cwd: worktreePath,
      allowFailure: true,
    });
    if (update.exitCode !== 0) {
      return {
        status: 'held',
        reason: `the working tree at ${worktreePath} cannot be updated to the new commit: ${firstNonEmptyLine(update.stderr)}`,
        worktreePath,
      };
    }
    if (await repository.compareAndSwapRef(ref, newCommit, expectedOldCommit, reason)) {
      return { status: 'landed', commit: newCommit };
    }
    // Another writer moved the branch between our check and our swap: put the files back as we found them.
    await runGit(['read-tree', '-u', '-m', newCommit, expectedOldCommit], {
      cwd: worktreePath,
      allowFailure: true,
    });
    return raceLost();
  });
}
