import { readFileSync, statSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HyperionError } from '@hyperion/schema';
import { resolveToCommit } from './object-reads.js';

/*
 * In-process reads and writes of a worktree's own HEAD, the way git keeps it: the main worktree's
 * in `<common dir>/HEAD`, a linked worktree's in `<common dir>/worktrees/<name>/HEAD`, found
 * through the worktree's `.git` file (`gitdir: <path>`). No git process is spawned.
 */

const SHA = /^[0-9a-f]{40}$/;

function readSync(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** What a worktree's HEAD holds. */
export type WorktreeHead =
  /** HEAD names a commit directly. */
  | { kind: 'detached'; commit: string }
  /** HEAD names a ref (`ref: refs/heads/main`); `commit` is what the ref holds, undefined when unborn. */
  | { kind: 'symbolic'; ref: string; commit: string | undefined };

/**
 * The worktree's own git directory: `<path>/.git` when that is a directory (a main worktree),
 * else the directory its `.git` file names. Undefined when neither is there.
 */
export async function worktreeGitDirectory(worktreePath: string): Promise<string | undefined> {
  const dotGit = join(worktreePath, '.git');
  // Small synchronous reads: cheaper than a trip through libuv's thread pool each.
  const stats = statSync(dotGit, { throwIfNoEntry: false });
  if (stats === undefined) return undefined;
  if (stats.isDirectory()) return dotGit;
  const match = /^gitdir: (.+)$/m.exec(readSync(dotGit));
  return match === null ? undefined : resolve(worktreePath, match[1]!.trim());
}

/**
 * The HEAD of the worktree at `worktreePath` (whose common git directory is `gitDirectory`), read
 * in-process, or undefined when it cannot be read (no worktree there, a half-made one). A detached
 * HEAD is returned as written, without checking that the commit exists.
 */
export async function readWorktreeHead(
  worktreePath: string,
  gitDirectory: string,
): Promise<WorktreeHead | undefined> {
  const own = await worktreeGitDirectory(worktreePath);
  if (own === undefined) return undefined;
  const content = readSync(join(own, 'HEAD')).trim();
  if (SHA.test(content)) return { kind: 'detached', commit: content };
  const symbolic = /^ref: (refs\/\S+)$/.exec(content);
  if (symbolic === null) return undefined;
  const ref = symbolic[1]!;
  return { kind: 'symbolic', ref, commit: await resolveToCommit(gitDirectory, ref) };
}

/**
 * Points the worktree's HEAD at `commit`, detached, if it still holds `expected` (detached, or a
 * symbolic HEAD is refused): git's own lock-file protocol (`HEAD.lock` created exclusively,
 * written, renamed over `HEAD`), so a concurrent git command either sees the old or the new HEAD
 * and two writers never interleave. Throws `git_failed` when the lock is taken or HEAD moved.
 * No reflog entry is written.
 */
export async function writeDetachedHead(
  worktreePath: string,
  commit: string,
  expected: string,
): Promise<void> {
  if (!SHA.test(commit)) {
    throw new HyperionError('invalid_input', `commit: '${commit}' is not a full sha`, {
      details: { field: 'commit' },
    });
  }
  const own = await worktreeGitDirectory(worktreePath);
  if (own === undefined) {
    throw new HyperionError('git_failed', `${worktreePath} is not a git worktree`, {
      details: { worktree: worktreePath },
    });
  }
  const head = join(own, 'HEAD');
  const lock = `${head}.lock`;
  const handle = await open(lock, 'wx').catch((error: unknown) => {
    throw new HyperionError('git_failed', `cannot lock ${head}: ${(error as Error).message}`, {
      cause: error,
      details: { worktree: worktreePath },
    });
  });
  let renamed = false;
  try {
    const current = (await readFile(head, 'utf8')).trim();
    if (current !== expected) {
      throw new HyperionError(
        'git_failed',
        `HEAD of ${worktreePath} moved (expected ${expected}, found ${current.slice(0, 60)})`,
        { details: { worktree: worktreePath, expected, found: current } },
      );
    }
    await handle.writeFile(`${commit}\n`);
    await handle.close();
    await rename(lock, head);
    renamed = true;
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await rm(lock, { force: true });
    }
  }
}
