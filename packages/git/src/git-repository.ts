import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HyperionError } from '@hyperion/schema';
import { canonicalPath } from './canonical-path.js';
import type { LandCommitResult } from './land-commit.js';
import { landCommitOnBranch } from './land-commit.js';
import { changedPathsBetween, commitMessage, resolveToCommit } from './object-reads.js';
import { firstNonEmptyLine, runGit } from './run-git.js';
import type { Trailer } from './trailers.js';
import { parseTrailers } from './trailers.js';
import type { HyperionTrailers, LandingProof } from './hyperion-trailers.js';
import { HYPERION_TRAILER_KEYS, parseHyperionTrailers, provesLanding } from './hyperion-trailers.js';
import { LandingProofIndex } from './landing-proof-index.js';
import { Worktree } from './worktree.js';
import { worktreeWithBranchOf } from './worktree-branches.js';
import { withWorktreeLock } from './worktree-lock.js';
import type { WorktreeListEntry } from './worktree-list.js';
import { parseWorktreeList } from './worktree-list.js';

/**
 * How long a compare-and-swap waits for another writer's ref lock (held for milliseconds, but a
 * loaded machine can stretch that): giving up sooner would fail an attempt for nothing.
 */
const CAS_LOCK_WAIT_MS = 10_000;

function fullRefName(ref: string): string {
  return ref === 'HEAD' || ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, milliseconds));
}

/**
 * A git repository with a working tree: in-process reads through isomorphic-git, and the git CLI for
 * worktrees, `git apply`, commits and the atomic compare-and-swap of refs.
 */
export class GitRepository {
  /** Absolute path of the main worktree. */
  readonly root: string;
  /** Absolute path of the common git directory (`.git`), shared by all worktrees. */
  readonly gitDirectory: string;

  /** The landing proofs of the refs asked about, kept up to date in-process (see {@link LandingProofIndex}). */
  private readonly landingProofs: LandingProofIndex;

  private constructor(root: string, gitDirectory: string) {
    this.root = root;
    this.gitDirectory = gitDirectory;
    this.landingProofs = new LandingProofIndex(gitDirectory);
  }

  /**
   * Opens the repository containing `directory`, rooted at its main worktree. Throws
   * `HyperionError('repo_not_found')` when the directory is missing or not in a git repository.
   */
  static async open(directory: string): Promise<GitRepository> {
    const absolute = resolve(directory);
    const notFound = () => new HyperionError('repo_not_found', `not a git repository: ${absolute}`);
    const directoryStats = await stat(absolute).catch(() => undefined);
    if (directoryStats?.isDirectory() !== true) throw notFound();
    const common = await runGit(['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: absolute,
      allowFailure: true,
    });
    if (common.exitCode !== 0) throw notFound();
    const gitDirectory = canonicalPath(common.stdout.trim());
    // A list run while another process adds a worktree can fail on its half-written entry.
    const list = await withWorktreeLock(gitDirectory, () =>
      runGit(['worktree', 'list', '--porcelain'], { cwd: absolute }),
    );
    const main = parseWorktreeList(list.stdout)[0];
    return new GitRepository(canonicalPath(main?.path ?? gitDirectory), gitDirectory);
  }

  /** Creates a repository at `directory` (created if missing) with `git init -b <initialBranch>` (default `main`). */
  static async init(directory: string, options: { initialBranch?: string } = {}): Promise<GitRepository> {
    const absolute = resolve(directory);
    await mkdir(absolute, { recursive: true });
    await runGit(['init', '--quiet', '-b', options.initialBranch ?? 'main'], { cwd: absolute });
    return GitRepository.open(absolute);
  }

  /** The main worktree (at {@link GitRepository.root}). */
  mainWorktree(): Worktree {
    return new Worktree(this.root, this);
  }

  /** Full sha `ref` resolves to (`main`, `refs/heads/main`, `HEAD`, a full or short sha), or undefined. */
  resolveRef(ref: string): Promise<string | undefined> {
    return resolveToCommit(this.gitDirectory, ref);
  }

  /** The sha of `refs/heads/<branch>`; throws `HyperionError('branch_not_found')` when there is none. */
  async requireBranch(branch: string): Promise<string> {
    const commit = await this.resolveRef(`refs/heads/${branch}`);
    if (commit === undefined) {
      throw new HyperionError(
        'branch_not_found',
        `target branch '${branch}' does not exist in ${this.root}`,
        {
          details: { branch, repository: this.root },
        },
      );
    }
    return commit;
  }

  /**
   * Atomically sets `ref` (a full ref; a bare name means `refs/heads/<name>`) to `newCommit` if it
   * still points at `expectedOldCommit` (`''` requires that the ref does not exist yet), with
   * `git update-ref`. Returns false when the ref holds something else; throws `git_failed` on any
   * other failure (e.g. `newCommit` is not an object).
   */
  async compareAndSwapRef(
    ref: string,
    newCommit: string,
    expectedOldCommit: string,
    reason?: string,
  ): Promise<boolean> {
    const fullRef = fullRefName(ref);
    const args = [
      'update-ref',
      ...(reason === undefined ? [] : ['-m', reason]),
      fullRef,
      newCommit,
      expectedOldCommit,
    ];
    const expected = /^0*$/.test(expectedOldCommit) ? undefined : expectedOldCommit.toLowerCase();
    const started = Date.now();
    for (let attempt = 1; Date.now() - started < CAS_LOCK_WAIT_MS; attempt += 1) {
      const result = await runGit(args, { cwd: this.root, allowFailure: true });
      if (result.exitCode === 0) return true;
      if ((await this.resolveRef(fullRef)) !== expected) return false;
      // The ref still holds the expected value: either a concurrent writer held the lock (retry)
      // or the update itself is wrong (throw).
      if (!/lock/i.test(result.stderr)) {
        throw new HyperionError(
          'git_failed',
          `git update-ref ${fullRef} failed: ${firstNonEmptyLine(result.stderr)}`,
          {
            details: { args, stderr: result.stderr },
          },
        );
      }
      await delay(Math.min(20 * attempt, 200));
    }
    throw new HyperionError(
      'git_failed',
      `git update-ref ${fullRef} failed: its lock stayed held by another writer for ${CAS_LOCK_WAIT_MS / 1000} s`,
      {
        details: { args },
      },
    );
  }

  /**
   * The newest first-parent commit of `branch` whose message ends with Hyperion's own trailer block
   * (see {@link parseHyperionTrailers}) for exactly `proof.changeId` and `proof.patchHash`, or
   * undefined (also when the branch does not exist). Only such a commit proves that the change
   * landed: a look-alike (another case, a longer id, a block in a body paragraph or mixed with
   * other lines, another patch id) never counts.
   *
   * The first-parent history is indexed once per ref (one `git log --grep` over it) and followed
   * in-process as the tip moves (an index of landing proofs), so a lookup on a branch that moved
   * by a landing or two spawns no process. With `limit`, history is searched afresh by `git log
   * --grep` instead, reading at most `limit` candidate commits (those whose message mentions both
   * values).
   */
  async findLandedChange(
    branch: string,
    proof: LandingProof,
    options: { limit?: number } = {},
  ): Promise<string | undefined> {
    const ref = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
    const tip = await this.resolveRef(ref);
    if (tip === undefined) return undefined;
    if (options.limit === undefined) return this.landingProofs.find(ref, tip, proof);
    // git's own --grep narrows the walk in C (three times faster than walking the history
    // in-process here, see `pnpm bench`); each candidate's block is then parsed exactly.
    const result = await runGit(
      [
        'log',
        '--first-parent',
        `--max-count=${options.limit}`,
        '--fixed-strings',
        '--all-match',
        `--grep=${HYPERION_TRAILER_KEYS.change}: ${proof.changeId}`,
        `--grep=${HYPERION_TRAILER_KEYS.patch}: ${proof.patchHash}`,
        '--format=%H%x00%B%x01',
        tip,
        '--',
      ],
      { cwd: this.gitDirectory },
    );
    for (const record of result.stdout.split('\x01')) {
      const [commit = '', message = ''] = record.replace(/^\n/, '').split('\0');
      if (commit !== '' && provesLanding(message, proof)) return commit;
    }
    return undefined;
  }

  /** Hyperion's own trailer block of `commit` (parsed exactly), or undefined when it has none. */
  async readHyperionTrailers(commit: string): Promise<HyperionTrailers | undefined> {
    return parseHyperionTrailers(await this.readCommitMessage(commit));
  }

  /** Trailers of `commit` (git `interpret-trailers` rules), in order. */
  async readTrailers(commit: string): Promise<Trailer[]> {
    return parseTrailers(await this.readCommitMessage(commit));
  }

  /** The message of `commit` (any ref or sha), as stored. */
  async readCommitMessage(commit: string): Promise<string> {
    return commitMessage(this.gitDirectory, await this.requireCommit(commit));
  }

  /** Paths whose content or mode differ between two commits, sorted (a rename gives both paths). */
  async changedPaths(fromCommit: string, toCommit: string): Promise<string[]> {
    return changedPathsBetween(
      this.gitDirectory,
      await this.requireCommit(fromCommit),
      await this.requireCommit(toCommit),
    );
  }

  private async requireCommit(commit: string): Promise<string> {
    const resolved = await this.resolveRef(commit);
    if (resolved === undefined) {
      throw new HyperionError('not_found', `no commit '${commit}' in ${this.root}`, { details: { commit } });
    }
    return resolved;
  }

  /**
   * Adds a detached worktree at `path` checked out at `commit`, first removing a stale worktree
   * registered at that path. Fails with `git_failed` if `path` is a non-empty directory that is not
   * one. The registration is made under the repository's worktree lock (see `withWorktreeLock`);
   * the files are checked out after it is released, so a large checkout does not hold the others.
   */
  async addWorktree(path: string, commit: string): Promise<Worktree> {
    const absolute = canonicalPath(path);
    this.refuseMainWorktree(absolute);
    await this.administerWorktrees(async () => {
      // --force twice: a worker killed during `git worktree add` leaves its path registered, missing
      // and locked ("initializing"); git refuses to reuse such a path unless forced twice.
      const add = [
        'worktree',
        'add',
        '--quiet',
        '--no-checkout',
        '--force',
        '--force',
        '--detach',
        absolute,
        commit,
      ];
      // Nothing at the path (the usual case: a new worker): git reuses a registration left for a
      // missing path itself, so no list is needed first.
      if (!existsSync(absolute)) {
        const added = await runGit(add, { cwd: this.root, allowFailure: true });
        if (added.exitCode === 0) return;
      }
      const entry = (await this.listWorktreesUnlocked()).find(
        (candidate) => canonicalPath(candidate.path) === absolute,
      );
      const gitFile = await stat(join(absolute, '.git')).catch(() => undefined);
      if (entry !== undefined || gitFile !== undefined) await this.removeWorktreeUnlocked(absolute, entry);
      await runGit(add, { cwd: this.root });
    });
    const checkout = await runGit(['checkout', '--force', '--quiet', '--detach', commit], {
      cwd: absolute,
      allowFailure: true,
    });
    if (checkout.exitCode !== 0) {
      await this.removeWorktree(absolute).catch(() => undefined);
      throw new HyperionError(
        'git_failed',
        `git checkout of ${commit} in the new worktree ${absolute} failed: ${firstNonEmptyLine(checkout.stderr)}`,
        { details: { worktree: absolute, commit, stderr: checkout.stderr } },
      );
    }
    return new Worktree(absolute, this);
  }

  /** The worktree at `path` if it is a working, registered worktree; otherwise adds one at `commit`. */
  async ensureWorktree(path: string, commit: string): Promise<Worktree> {
    const absolute = canonicalPath(path);
    // Nothing at the path: there is no worktree to reuse, and addWorktree needs no list either.
    if (!existsSync(absolute)) return this.addWorktree(absolute, commit);
    const registered = (await this.listWorktrees()).some((entry) => canonicalPath(entry.path) === absolute);
    if (registered && existsSync(absolute)) {
      const topLevel = await runGit(['rev-parse', '--show-toplevel'], { cwd: absolute, allowFailure: true });
      if (topLevel.exitCode === 0 && canonicalPath(topLevel.stdout.trim()) === absolute) {
        return new Worktree(absolute, this);
      }
    }
    return this.addWorktree(absolute, commit);
  }

  /**
   * Removes the linked worktree at `path` (`git worktree remove --force`; `git worktree prune` when
   * that could not remove it or it was not registered), under the repository's worktree lock. A
   * leftover directory is deleted only when it was registered or still holds a worktree's `.git`
   * file, so an unrelated directory is never deleted. No error when it is already gone; refuses
   * (`invalid_input`) to remove the main worktree.
   */
  async removeWorktree(path: string): Promise<void> {
    const absolute = canonicalPath(path);
    this.refuseMainWorktree(absolute);
    await this.administerWorktrees(async () => {
      // The usual case first, one git run: a registered, unlocked worktree that git removes whole.
      if (existsSync(join(absolute, '.git'))) {
        const removed = await runGit(['worktree', 'remove', '--force', '--force', absolute], {
          cwd: this.root,
          allowFailure: true,
        });
        if (removed.exitCode === 0 && !existsSync(absolute)) return;
      }
      const entry = (await this.listWorktreesUnlocked()).find(
        (candidate) => canonicalPath(candidate.path) === absolute,
      );
      await this.removeWorktreeUnlocked(absolute, entry);
    });
  }

  /** All worktrees, the main one first (`git worktree list --porcelain`, under the worktree lock). */
  listWorktrees(): Promise<WorktreeListEntry[]> {
    return this.administerWorktrees(() => this.listWorktreesUnlocked());
  }

  /**
   * Runs `work` under the worktree lock. Every `git worktree` command goes through here: git's
   * own ones race across processes (see `withWorktreeLock`).
   */
  private administerWorktrees<T>(work: () => Promise<T>): Promise<T> {
    return withWorktreeLock(this.gitDirectory, work);
  }

  private async listWorktreesUnlocked(): Promise<WorktreeListEntry[]> {
    return parseWorktreeList((await runGit(['worktree', 'list', '--porcelain'], { cwd: this.root })).stdout);
  }

  /** The body of {@link GitRepository.removeWorktree}; `entry` is the registration at `absolute`, if any. */
  private async removeWorktreeUnlocked(
    absolute: string,
    entry: WorktreeListEntry | undefined,
  ): Promise<void> {
    if (entry !== undefined) {
      // A registration left locked by a killed `git worktree add` is unlocked so it can be removed.
      if (entry.locked) {
        await runGit(['worktree', 'unlock', absolute], { cwd: this.root, allowFailure: true });
      }
      const removed = await runGit(['worktree', 'remove', '--force', '--force', absolute], {
        cwd: this.root,
        allowFailure: true,
      });
      // git removed the files and the registration: nothing is left to delete or prune.
      if (removed.exitCode === 0 && !existsSync(absolute)) return;
    }
    const gitFile = await stat(join(absolute, '.git')).catch(() => undefined);
    // A directory git registered as this worktree, or one still holding a worktree's `.git` file, is
    // ours to delete even when git could not remove it (a broken or half-created worktree).
    if (entry !== undefined || gitFile?.isFile() === true) {
      await rm(absolute, { recursive: true, force: true });
    }
    await runGit(['worktree', 'prune'], { cwd: this.root });
  }

  private refuseMainWorktree(absolute: string): void {
    if (absolute === this.root) {
      throw new HyperionError(
        'invalid_input',
        `refusing to replace or remove the main worktree ${this.root}`,
      );
    }
  }

  /**
   * Path of the existing worktree (main or linked) that has `refs/heads/<branch>` checked out, or
   * undefined. Read in-process from the worktrees' HEAD files, as `git worktree list` reads them.
   */
  async worktreeWithBranch(branch: string): Promise<string | undefined> {
    const ref = branch.startsWith('refs/heads/') ? branch : `refs/heads/${branch}`;
    return worktreeWithBranchOf(this, ref);
  }

  /**
   * Lands `newCommit` on `branch` by compare-and-swap from `expectedOldCommit`, updating a clean
   * worktree that has the branch checked out (git's `updateInstead` rule) and holding the landing
   * when that worktree has local changes. See {@link LandCommitResult}.
   */
  landCommit(branch: string, newCommit: string, expectedOldCommit: string): Promise<LandCommitResult> {
    return landCommitOnBranch(this, branch, newCommit, expectedOldCommit);
  }
}
