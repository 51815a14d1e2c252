import { withRepositoryLock } from './repository-lock.js';

/** Name of the worktree administration lock file, in the repository's common git directory. */
export const WORKTREE_LOCK_FILE = 'hyperion-worktrees.lock';

/** How long a worktree command waits for the lock by default: 2 minutes. */
export const WORKTREE_LOCK_TIMEOUT_MS = 120_000;

/**
 * Runs `work` holding the worktree lock of the repository whose common git directory is
 * `gitDirectory`. Every `git worktree` command Hyperion runs (add, list, unlock, remove, prune)
 * runs under it: git's own commands race across processes (a prune deletes the registration of a
 * worktree another process is still adding, since its `gitdir` is not written yet; the last
 * removal deletes `.git/worktrees/` while an add creates an entry in it; a list fails on a
 * half-written entry). See {@link withRepositoryLock} for waiting and dead holders.
 */
export function withWorktreeLock<T>(
  gitDirectory: string,
  work: () => Promise<T>,
  timeoutMs = WORKTREE_LOCK_TIMEOUT_MS,
): Promise<T> {
  return withRepositoryLock(gitDirectory, WORKTREE_LOCK_FILE, work, { timeoutMs, purpose: 'worktree' });
}
