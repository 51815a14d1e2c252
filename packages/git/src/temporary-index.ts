import { copyFile, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeTreeFromIndex } from './index-tree.js';
import { runGit } from './run-git.js';

/**
 * Runs `action` with an environment whose `GIT_INDEX_FILE` is a throw-away copy of the worktree's
 * index after `git add -A`: it then describes the working tree exactly, untracked files included
 * (ignored ones excluded), while the real index is left alone. Copying the real index keeps its stat
 * data, so unchanged files are not hashed again; the copy keeps the original's modification time
 * too, because git's "racily clean" check compares file times with the index's own time — a
 * fresh mtime would make git trust stat data of a file rewritten within the same second.
 */
export async function withWorkingTreeIndex<T>(
  worktreePath: string,
  gitDirectory: string | undefined,
  action: (environment: NodeJS.ProcessEnv) => Promise<T>,
): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), 'hyperion-index-'));
  try {
    const indexFile = join(directory, 'index');
    // A pinned worktree's index is in its own git directory: nothing is asked of its `.git` file.
    const realIndex =
      gitDirectory === undefined
        ? resolve(
            worktreePath,
            (await runGit(['rev-parse', '--git-path', 'index'], { cwd: worktreePath })).stdout.trim(),
          )
        : join(gitDirectory, 'index');
    await copyIndexKeepingMtime(realIndex, indexFile);
    const pinned = gitDirectory === undefined ? {} : { GIT_DIR: gitDirectory, GIT_WORK_TREE: worktreePath };
    const environment = { GIT_INDEX_FILE: indexFile, ...pinned };
    await runGit(['add', '-A'], { cwd: worktreePath, env: environment });
    return await action(environment);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function copyIndexKeepingMtime(source: string, target: string): Promise<void> {
  try {
    const original = await stat(source);
    await copyFile(source, target);
    await utimes(target, original.atime, original.mtime);
  } catch {
    // No index yet (an empty worktree): `git add -A` builds one from scratch.
  }
}

/**
 * The tree of `commit` with `patch` applied, made in a throw-away index (`git read-tree`, then
 * `git apply --cached`): the tree `git apply --index` gives on a checkout of `commit`, since git
 * reads each preimage from the index and stores each result blob as the patch makes it in both
 * cases (no clean or smudge filter, no end-of-line conversion is involved), while no file of the
 * worktree at `worktreePath`, nor its index or HEAD, is touched. `gitDirectory` is the pinned
 * worktree's own git directory (see `Worktree.pinnedTo`), or undefined; `objectsDirectory` the
 * repository's git directory, where the tree is written. git's reason when the patch does not apply.
 */
export async function treeWithPatch(
  worktreePath: string,
  gitDirectory: string | undefined,
  objectsDirectory: string,
  commit: string,
  patch: string,
): Promise<{ applied: true; tree: string } | { applied: false; reason: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'hyperion-index-'));
  try {
    const indexFile = join(directory, 'index');
    const pinned = gitDirectory === undefined ? {} : { GIT_DIR: gitDirectory, GIT_WORK_TREE: worktreePath };
    const env = { GIT_INDEX_FILE: indexFile, ...pinned };
    await runGit(['read-tree', commit], { cwd: worktreePath, env });
    const applied = await runGit(['apply', '--cached', '--whitespace=nowarn', '-'], {
      cwd: worktreePath,
      env,
      input: patch,
      allowFailure: true,
    });
    if (applied.exitCode !== 0) return { applied: false, reason: applied.stderr.trim() };
    const tree =
      (await writeTreeFromIndex(indexFile, objectsDirectory)) ??
      (await runGit(['write-tree'], { cwd: worktreePath, env })).stdout.trim();
    return { applied: true, tree };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
