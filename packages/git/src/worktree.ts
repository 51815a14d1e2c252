import { readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HyperionError } from '@hyperion/schema';
import type { CommitIdentity } from './commit-identity.js';
import { commitEnvironment, DEFAULT_COMMIT_IDENTITY } from './commit-identity.js';
import type { GitRepository } from './git-repository.js';
import { firstNonEmptyLine, runGit } from './run-git.js';
import { pathsEscapingRoot } from './symlink-escape.js';
import { treeWithPatch, withWorkingTreeIndex } from './temporary-index.js';
import type { Trailer } from './trailers.js';
import { appendTrailers } from './trailers.js';
import { cleanUpMessage, writeCommitObject } from './commit-object.js';
import { readWorktreeHead, worktreeGitDirectory, writeDetachedHead } from './worktree-head.js';
import { writeTreeFromIndex } from './index-tree.js';
import {
  applyChainInOneGo,
  pathsNamedByApplyErrors,
  tryChainInOneGo,
  type ChainPatch,
} from './chain-commits.js';
import { readCommitFields } from './object-reads.js';
import { canonicalPath } from './canonical-path.js';
import { commitPreparedChain, prepareChainOn, type PreparedChain } from './prepared-chain.js';

/** Options of {@link Worktree.checkPatch} and {@link Worktree.applyPatch}. */
export interface ApplyPatchOptions {
  /** Fall back to a three-way merge using the blobs the patch names (`git apply --3way`). */
  threeWay?: boolean;
}

/** Options of {@link Worktree.commit}. */
export interface CommitOptions {
  /** The commit message (title, blank line, body). */
  message: string;
  /** Trailers appended as `Key: value` lines, as a last paragraph of their own. */
  trailers?: Trailer[];
  /** Author and committer; defaults to `Hyperion <hyperion@localhost>`. */
  author?: CommitIdentity;
  /** Author and committer date; defaults to now. */
  date?: Date;
}

/** A file that differs between a base commit and the working tree. */
export interface ChangedFile {
  /** Repository-relative path. */
  path: string;
  /** How the file changed (a type change, e.g. file to symlink, counts as modified). */
  status: 'added' | 'modified' | 'deleted';
}

const DIFF_FORMAT = [
  '--binary',
  '--no-color',
  '--no-renames',
  '--no-ext-diff',
  '--no-textconv',
  '--no-relative',
  '--src-prefix=a/',
  '--dst-prefix=b/',
];

/**
 * A checked-out working tree of a {@link GitRepository} (the main one or a linked one). Get one
 * from `GitRepository.addWorktree`, `ensureWorktree` or `mainWorktree`.
 */
export class Worktree {
  /** Absolute path of the worktree's root directory. */
  readonly path: string;
  /** The repository the worktree belongs to. */
  readonly repository: GitRepository;
  /** The worktree's own git directory when pinned (see {@link Worktree.pinnedTo}). */
  private readonly pinnedGitDirectory: string | undefined;

  /** Wraps an existing worktree; does not check that `path` is one. */
  constructor(path: string, repository: GitRepository, pinnedGitDirectory?: string) {
    this.path = path;
    this.repository = repository;
    this.pinnedGitDirectory = pinnedGitDirectory === undefined ? undefined : resolve(pinnedGitDirectory);
  }

  /**
   * The same worktree, its git commands told where its repository is (`GIT_DIR` and
   * `GIT_WORK_TREE`) instead of finding it through the worktree's `.git` file, which whatever ran in
   * the worktree (an agent, a process it left behind) may rewrite at any moment to point git at a
   * repository of its own, whose config would run commands of its choosing. `gitDirectory` is the
   * worktree's directory in the repository (`<git dir>/worktrees/<name>`), read before anything
   * else ran in the worktree.
   */
  pinnedTo(gitDirectory: string): Worktree {
    return new Worktree(this.path, this.repository, gitDirectory);
  }

  private git(
    args: string[],
    options: { input?: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {},
  ) {
    return runGit(args, { cwd: this.path, ...options, env: { ...options.env, ...this.pinnedEnvironment() } });
  }

  private pinnedEnvironment(): NodeJS.ProcessEnv {
    return this.pinnedGitDirectory === undefined
      ? {}
      : { GIT_DIR: this.pinnedGitDirectory, GIT_WORK_TREE: this.path };
  }

  /**
   * The full sha HEAD points to, read in-process (a detached HEAD, or the ref a symbolic HEAD
   * names); `git rev-parse` when that cannot be read (and it throws `git_failed` when there is no
   * commit).
   */
  async head(): Promise<string> {
    const head = await readWorktreeHead(this.path, this.repository.gitDirectory);
    if (head?.commit !== undefined) return head.commit;
    return (await this.git(['rev-parse', '--verify', 'HEAD^{commit}'])).stdout.trim();
  }

  /**
   * Checks out `commit` detached, discarding every change, and removes every untracked and ignored
   * file (`git clean -ffdx`), so the tree equals the commit exactly.
   */
  async resetTo(commit: string): Promise<void> {
    await this.checkoutDetached(commit);
    await this.removeUntrackedFiles();
  }

  /**
   * Checks out `commit` detached, discarding every change to tracked files (`git checkout
   * --force --detach`). Untracked and ignored files stay: after {@link removeUntrackedFiles} (and
   * nothing written since), the tree then equals the commit exactly, as after {@link resetTo}.
   */
  async checkoutDetached(commit: string): Promise<void> {
    await this.git(['checkout', '--force', '--detach', commit]);
  }

  /**
   * Removes the `index.lock` a git process killed in this worktree left in the worktree's own git
   * directory (a check stopped or timed out while it ran git there): every later git command that
   * writes the index would fail on it. Only for a worktree that no git process is running in; does
   * nothing unless that directory is one of the repository's (`<git dir>/worktrees/<name>`) and
   * git's record in it (`gitdir`) names this worktree.
   */
  async removeStaleIndexLock(): Promise<void> {
    const own = this.pinnedGitDirectory ?? (await worktreeGitDirectory(this.path));
    if (own === undefined) return;
    const directory = canonicalPath(own);
    const worktrees = join(this.repository.gitDirectory, 'worktrees');
    const relation = relative(worktrees, directory);
    if (relation === '' || relation.startsWith('..') || isAbsolute(relation) || relation.includes(sep))
      return;
    // It must be this worktree's own directory, not a sibling's that a rewritten `.git` file
    // names: git records in it (`gitdir`) the `.git` file of the worktree it belongs to.
    let owner: string;
    try {
      owner = (await readFile(join(directory, 'gitdir'), 'utf8')).trim();
    } catch {
      return;
    }
    if (canonicalPath(owner) !== canonicalPath(join(this.path, '.git'))) return;
    await rm(join(directory, 'index.lock'), { force: true });
  }

  /** Removes every untracked and ignored file and directory (`git clean -ffdx`). */
  async removeUntrackedFiles(): Promise<void> {
    await this.git(['clean', '-ffdx', '--quiet']);
  }

  private applyArguments(options: ApplyPatchOptions, mode: '--check' | '--index'): string[] {
    return ['apply', mode, '--whitespace=nowarn', ...(options.threeWay === true ? ['--3way'] : []), '-'];
  }

  /** `git apply --check`: whether `patch` applies to the working tree, with git's reason when not. */
  async checkPatch(
    patch: string,
    options: ApplyPatchOptions = {},
  ): Promise<{ applies: true } | { applies: false; reason: string }> {
    const args = this.applyArguments(options, '--check');
    if (options.threeWay === true) args.splice(2, 0, '--index');
    const result = await this.git(args, { input: patch, allowFailure: true });
    return result.exitCode === 0 ? { applies: true } : { applies: false, reason: result.stderr.trim() };
  }

  /**
   * `git apply --index`: applies `patch` to the index and the files. Throws
   * `HyperionError('patch_does_not_apply')` with git's first error line (full output in
   * `details.stderr`); after a failed three-way apply the tree may hold conflicts: call `resetTo`.
   */
  async applyPatch(patch: string, options: ApplyPatchOptions = {}): Promise<void> {
    const result = await this.git(this.applyArguments(options, '--index'), {
      input: patch,
      allowFailure: true,
    });
    if (result.exitCode !== 0) {
      throw new HyperionError(
        'patch_does_not_apply',
        `patch does not apply: ${firstNonEmptyLine(result.stderr)}`,
        {
          details: { stderr: result.stderr, worktree: this.path },
        },
      );
    }
  }

  /**
   * `git apply --index` in one process: applies `patch` to the index and the files, or returns
   * git's reason. The same answer as {@link Worktree.checkPatch} followed by
   * {@link Worktree.applyPatch}, one spawn fewer, on a worktree whose index matches its files (as
   * after {@link Worktree.resetTo}).
   *
   * git checks the whole patch before it writes anything, so a refusal in that check leaves the
   * index and the files as they were (`untouched`). A failure while writing (a path blocked by a
   * file, a full disk) can leave files of the patch behind: `untouched` is then false, and the
   * worktree must be reset before anything else is built or checked in it.
   */
  async tryApplyPatch(
    patch: string,
    options: ApplyPatchOptions = {},
  ): Promise<{ applied: true } | { applied: false; reason: string; untouched: boolean }> {
    const result = await this.git(this.applyArguments(options, '--index'), {
      input: patch,
      allowFailure: true,
    });
    if (result.exitCode === 0) return { applied: true };
    const reason = result.stderr.trim();
    // Only git's check-phase refusals (each error line naming the path it could not apply) say
    // that nothing was written; any other message may come from the write phase.
    return { applied: false, reason, untouched: pathsNamedByApplyErrors(reason) !== undefined };
  }

  /**
   * Commits the index as it is (nothing is staged first) on top of HEAD, without `git commit`:
   * the tree is made from the index (in-process for a plain index, see {@link Worktree.writeTree}), the commit object is written in-process
   * (see `writeCommitObject`) with `message` and `trailers` cleaned up as
   * `git commit --cleanup=whitespace` would, and HEAD moves to it — in-process when detached (git's
   * `HEAD.lock` protocol, no reflog entry), by `git update-ref` when HEAD names a branch. As
   * `author` (default `Hyperion <hyperion@localhost>`) for both author and committer, at `date`
   * (default now). Returns the new sha. The tree is byte for byte the one `git commit` would
   * record from the same index.
   *
   * Hooks: none runs (`git commit --no-verify` still runs `prepare-commit-msg` and `post-commit`;
   * here neither does), and no configuration shapes the object (no signing, template or
   * encoding header). Throws `invalid_input` when the tree equals the parent's (nothing to commit)
   * or the message is empty after clean-up.
   */
  async commitIndex(options: CommitOptions): Promise<string> {
    const message = cleanUpMessage(appendTrailers(options.message, options.trailers ?? []));
    if (message === '') throw new HyperionError('invalid_input', 'message: empty commit message');
    const head = await readWorktreeHead(this.path, this.repository.gitDirectory);
    if (head === undefined) {
      throw new HyperionError('git_failed', `cannot read HEAD of ${this.path}`, {
        details: { worktree: this.path },
      });
    }
    const gitDirectory = this.repository.gitDirectory;
    const tree = await this.writeTree();
    if (head.commit !== undefined) {
      const parent = await readCommitFields(gitDirectory, head.commit);
      if (parent.tree === tree) throw new HyperionError('invalid_input', `nothing to commit in ${this.path}`);
    }
    const commit = await writeCommitObject(gitDirectory, {
      tree,
      parents: head.commit === undefined ? [] : [head.commit],
      message,
      identity: options.author ?? DEFAULT_COMMIT_IDENTITY,
      ...(options.date === undefined ? {} : { date: options.date }),
    });
    if (head.kind === 'detached') {
      await writeDetachedHead(this.path, commit, head.commit);
    } else {
      const subject = message.split('\n')[0] ?? '';
      await this.git(['update-ref', '-m', `commit: ${subject}`, 'HEAD', commit, head.commit ?? '']);
    }
    return commit;
  }

  /**
   * Commits `patch` applied on `parent`, without touching the worktree (its files, index and HEAD
   * stay as they are): the tree is made in a throw-away index (see `treeWithPatch`), the same tree
   * `git apply --index` on a checkout of `parent` then {@link Worktree.commitIndex} would record,
   * and the commit object is written in-process with `message` and `trailers` cleaned up as
   * `commitIndex` does, as `author` (default `Hyperion <hyperion@localhost>`) at `date`. Returns
   * the commit, or git's reason when the patch does not apply on `parent`. Throws `invalid_input`,
   * as `commitIndex` does, when the message is empty after clean-up or the patch changes nothing.
   */
  async commitPatchOn(
    parent: string,
    patch: string,
    options: CommitOptions,
  ): Promise<{ committed: true; commit: string } | { committed: false; reason: string }> {
    const message = cleanUpMessage(appendTrailers(options.message, options.trailers ?? []));
    if (message === '') throw new HyperionError('invalid_input', 'message: empty commit message');
    const gitDirectory = this.repository.gitDirectory;
    const parentFields = await readCommitFields(gitDirectory, parent);
    const made = await treeWithPatch(this.path, this.pinnedGitDirectory, gitDirectory, parent, patch);
    if (!made.applied) return { committed: false, reason: made.reason };
    if (made.tree === parentFields.tree)
      throw new HyperionError('invalid_input', `nothing to commit in ${this.path}`);
    const commit = await writeCommitObject(gitDirectory, {
      tree: made.tree,
      parents: [parent],
      message,
      identity: options.author ?? DEFAULT_COMMIT_IDENTITY,
      ...(options.date === undefined ? {} : { date: options.date }),
    });
    return { committed: true, commit };
  }

  /**
   * Applies `patches` (on pairwise disjoint paths) with one `git apply --index` and commits them
   * as a chain of one commit per patch on the detached HEAD, each with the tree that patch by
   * patch application would give (see `applyChainInOneGo`); HEAD moves to the last. As `author`
   * (default `Hyperion <hyperion@localhost>`) at `date`. Undefined, the worktree untouched, when
   * they cannot go in one apply: then apply and commit them one at a time.
   */
  async commitChainInOneApply(
    patches: readonly ChainPatch[],
    options: { author?: CommitIdentity; date?: Date } = {},
  ): Promise<string[] | undefined> {
    return applyChainInOneGo(this.path, this.repository.gitDirectory, patches, {
      ...(options.author === undefined ? {} : { identity: options.author }),
      ...(options.date === undefined ? {} : { date: options.date }),
    });
  }

  /**
   * {@link Worktree.commitChainInOneApply}, saying why when there are no commits: `failedPaths`
   * is, when `git apply` itself refused the patches (the worktree untouched), the path each
   * `error:` line of its message names, in order — a guess at the patch that does not apply, for
   * the caller to set aside and verify (a hostile path can read like git's message); undefined when
   * the patches were refused for another reason, or git's message is of a form not known.
   */
  async tryCommitChainInOneApply(
    patches: readonly ChainPatch[],
    options: { author?: CommitIdentity; date?: Date } = {},
  ): Promise<{ commits: string[] } | { commits: undefined; failedPaths: string[] | undefined }> {
    return tryChainInOneGo(this.path, this.repository.gitDirectory, patches, {
      ...(options.author === undefined ? {} : { identity: options.author }),
      ...(options.date === undefined ? {} : { date: options.date }),
    });
  }

  /**
   * {@link Worktree.tryCommitChainInOneApply} on `base` instead of on the checkout: the chain is
   * built in a throw-away index (`git read-tree base`, one `git apply --cached`), the same commits,
   * while this worktree's files, index and HEAD stay as they are (no file is written, so a build
   * that must not wait for a checkout need not make one). Refused, with no `failedPaths`, also when
   * a patch's path or a directory above it is a symlink in `base` or in the result: apply those
   * one at a time on a checkout, where the files are checked.
   */
  async tryCommitChainOn(
    base: string,
    patches: readonly ChainPatch[],
    options: { author?: CommitIdentity; date?: Date; prepared?: PreparedChain } = {},
  ): Promise<{ commits: string[] } | { commits: undefined; failedPaths: string[] | undefined }> {
    const commitOptions = {
      ...(options.author === undefined ? {} : { identity: options.author }),
      ...(options.date === undefined ? {} : { date: options.date }),
    };
    if (options.prepared?.isFor(patches) === true) {
      // Anything unexpected there (a tree that does not parse, an object that cannot be read):
      // the patches are applied on `base` as without it.
      const commits = await commitPreparedChain(
        this.repository.gitDirectory,
        options.prepared,
        base,
        commitOptions,
      ).catch(() => undefined);
      if (commits !== undefined) return { commits };
    }
    return tryChainInOneGo(this.path, this.repository.gitDirectory, patches, { on: base, ...commitOptions });
  }

  /**
   * Applies the chain of `patches` on `base` ahead of its build, in the throw-away index of
   * {@link Worktree.tryCommitChainOn} (one `git apply`, no object written, nothing else touched),
   * so that the build itself, given the result as `prepared`, only writes trees and commits. Built
   * on `base`, it gives the commits `tryCommitChainOn` would; built on another commit, it carries
   * over when every path of the chain holds there what it holds on `base` (with a tree at each
   * directory above it; `git apply` reads only the files a patch names), and otherwise
   * `tryCommitChainOn` applies the patches there itself. Undefined when `tryCommitChainOn` would
   * refuse the chain on `base`. Runs in the worktree's throw-away index: not while a chain is
   * built in this worktree.
   */
  async prepareChainOn(base: string, patches: readonly ChainPatch[]): Promise<PreparedChain | undefined> {
    return prepareChainOn(this.path, this.repository.gitDirectory, base, patches);
  }

  /**
   * The tree of the index as `git write-tree` makes it: in-process (see `writeTreeFromIndex`) for
   * a plain index, by `git write-tree` for any other.
   */
  async writeTree(): Promise<string> {
    const own = await worktreeGitDirectory(this.path);
    const tree =
      own === undefined
        ? undefined
        : await writeTreeFromIndex(join(own, 'index'), this.repository.gitDirectory);
    return tree ?? (await this.git(['write-tree'])).stdout.trim();
  }

  /**
   * Stages everything (`git add -A`) and commits it with `message` and `trailers`, as `author`
   * (default `Hyperion <hyperion@localhost>`) for both author and committer. Returns the new sha.
   * Throws `HyperionError('invalid_input')` when there is nothing to commit.
   */
  async commit(options: CommitOptions): Promise<string> {
    const fullMessage = appendTrailers(options.message, options.trailers ?? []);
    await this.git(['add', '-A']);
    const staged = await this.git(['diff', '--cached', '--quiet', '--no-ext-diff'], { allowFailure: true });
    if (staged.exitCode === 0) throw new HyperionError('invalid_input', `nothing to commit in ${this.path}`);
    await this.git(
      ['-c', 'commit.gpgsign=false', 'commit', '--no-verify', '--quiet', '--cleanup=whitespace', '-F', '-'],
      { input: fullMessage, env: commitEnvironment(options.author ?? DEFAULT_COMMIT_IDENTITY, options.date) },
    );
    return this.head();
  }

  /**
   * The working tree's changes against `base` as one git-format patch (binary-safe, no renames, no
   * colour), untracked files included and ignored files excluded; '' when nothing differs.
   */
  async diffAgainst(base: string): Promise<string> {
    return withWorkingTreeIndex(this.path, this.pinnedGitDirectory, async (env) => {
      const result = await this.git(['diff', '--cached', ...DIFF_FORMAT, base, '--'], { env });
      return result.stdout;
    });
  }

  /** Files that differ between `base` and the working tree, untracked files included, sorted by path. */
  async changedFiles(base: string): Promise<ChangedFile[]> {
    return withWorkingTreeIndex(this.path, this.pinnedGitDirectory, async (env) => {
      const result = await this.git(['diff', '--cached', '--name-status', '--no-renames', '-z', base, '--'], {
        env,
      });
      const fields = result.stdout.split('\0');
      const files: ChangedFile[] = [];
      for (let index = 0; index + 1 < fields.length; index += 2) {
        const letter = fields[index] ?? '';
        const status = letter === 'A' ? 'added' : letter === 'D' ? 'deleted' : 'modified';
        files.push({ path: fields[index + 1] ?? '', status });
      }
      return files.sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0));
    });
  }

  /**
   * True when no tracked file differs from HEAD and nothing is staged (untracked files do not
   * count) — the check git makes before a push updates a checked-out branch.
   */
  async isClean(): Promise<boolean> {
    // Without -q, `update-index --refresh` exits 1 when a tracked file needs an update or a merge:
    // git's own `diff-files --quiet` after a refresh, in one process. Any other failure (say, the
    // index lock is held) is settled by asking `diff-files` itself.
    const refreshed = await this.git(['update-index', '--ignore-submodules', '--refresh'], {
      allowFailure: true,
    });
    if (refreshed.exitCode === 1) return false;
    if (refreshed.exitCode !== 0) {
      const unstaged = await this.git(['diff-files', '--quiet', '--ignore-submodules', '--'], {
        allowFailure: true,
      });
      if (unstaged.exitCode !== 0) return false;
    }
    const head = await readWorktreeHead(this.path, this.repository.gitDirectory);
    const hasCommit =
      head === undefined
        ? (await this.git(['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true })).exitCode ===
          0
        : head.commit !== undefined;
    if (!hasCommit) return (await this.git(['ls-files'])).stdout.length === 0;
    const staged = await this.git(
      ['diff-index', '--quiet', '--cached', '--ignore-submodules', 'HEAD', '--'],
      {
        allowFailure: true,
      },
    );
    return staged.exitCode === 0;
  }

  /**
   * Those of `paths` (relative to the worktree) that resolve outside the worktree, through a
   * symlink at any component (dangling links included) or lexically (`..`, absolute paths).
   */
  async pathsEscapingThroughSymlinks(paths: string[]): Promise<string[]> {
    return pathsEscapingRoot(this.path, paths);
  }
}
