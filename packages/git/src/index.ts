/**
 * The git layer of Hyperion: worktrees, git apply, commits with trailers, compare-and-swap ref
 * updates and in-process reads.
 *
 * @packageDocumentation
 * @module @hyperion/git
 */
export {
  observeGitCommands,
  runGit,
  firstNonEmptyLine,
  type GitCommandResult,
  type RunGitOptions,
  type GitCommandRecord,
  type GitCommandObserver,
} from './run-git.js';
export { useGitSpawner } from './git-spawner.js';
export { commitEnvironment, type CommitIdentity, DEFAULT_COMMIT_IDENTITY } from './commit-identity.js';
export { GitRepository } from './git-repository.js';
export { type ApplyPatchOptions, type CommitOptions, type ChangedFile, Worktree } from './worktree.js';
export { type ChainPatch } from './chain-commits.js';
export { type PreparedChain } from './prepared-chain.js';
export { landCommitOnBranch, type LandCommitResult } from './land-commit.js';
export { type LandingTarget, LocalBranchTarget } from './landing-target.js';
export {
  DEFAULT_REMOTE_TIMEOUT_MS,
  type RemoteBranchTargetOptions,
  RemoteBranchTarget,
} from './remote-branch-target.js';
export { parsePushStatus, redactUrlCredentials, type PushStatus } from './push-status.js';
export { parseWorktreeList, type WorktreeListEntry } from './worktree-list.js';
export { parseTrailers, endsWithTrailerBlock, appendTrailers, type Trailer } from './trailers.js';
export {
  formatHyperionTrailers,
  parseHyperionTrailers,
  provesLanding,
  type HyperionTrailers,
  HYPERION_TRAILER_KEYS,
  type LandingProof,
} from './hyperion-trailers.js';
export {
  patchLines,
  parsePatchWithRanges,
  parsePatch,
  type PatchFileMode,
  type ParsedPatchHunk,
  type ParsedPatchFile,
  type ParsedPatchFileRange,
} from './patch-parse.js';
export { joinPatches, splitPatch } from './patch-split.js';
export { sha256Hex } from './hash.js';
export { patchPathsAsGitReadsThem, type PatchPathsAsGitReadsThem } from './patch-git-paths.js';
export { pathsEscapingRoot } from './symlink-escape.js';
export { unsafeSymlinkTargetReason } from './symlink-target.js';
export {
  createTemporaryRepository,
  type TemporaryRepositoryOptions,
  type TemporaryRepository,
  TEMPORARY_REPOSITORY_AUTHOR,
} from './testing/temporary-repository.js';
export { isProcessAlive, processStartTime, isSameProcessAlive } from './process-liveness.js';
export {
  parseLockOwner,
  isLockOwnerAlive,
  recordLockHolderChild,
  withRepositoryLock,
  type RepositoryLockOptions,
  type LockProcess,
  type LockOwner,
} from './repository-lock.js';
export { withLandingLock, LANDING_LOCK_FILE } from './landing-lock.js';
export { withWorktreeLock, WORKTREE_LOCK_FILE, WORKTREE_LOCK_TIMEOUT_MS } from './worktree-lock.js';
export { findLandedChangeInHistory } from './object-reads.js';
export { consolidatePacks, PACK_LIMIT, type PackConsolidation } from './pack-consolidation.js';
