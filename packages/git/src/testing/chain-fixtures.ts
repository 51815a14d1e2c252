import { rm } from 'node:fs/promises';
import { afterEach, expect } from 'vitest';
import { observeGitCommands, runGit } from '../run-git.js';
import type { Worktree } from '../worktree.js';
import { createTemporaryRepository, type TemporaryRepository } from './temporary-repository.js';

/*
 * What the tests of chains of commits share: patches of one line, repositories with worktrees
 * removed after each test, and the trees of commits as git reads them. Not exported by the
 * package.
 */

/** The cleanups of a test file, run after each test (with the git command observer removed). */
export function cleanupsAfterEach(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    observeGitCommands(undefined);
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return cleanups;
}

/** A patch replacing the one line `from` of `path` with `to`. */
export function updatePatch(path: string, from: string, to: string): string {
  return `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${from}\n+${to}\n`;
}

/** A patch deleting `path`, a file of the one line `content`. */
export function removalPatch(path: string, content: string): string {
  return `diff --git a/${path} b/${path}\ndeleted file mode 100644\n--- a/${path}\n+++ /dev/null\n@@ -1 +0,0 @@\n-${content}\n`;
}

/** A patch creating `path` with the one line `content`. */
export function creationPatch(path: string, content: string): string {
  return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${content}\n`;
}

/** A temporary repository of `files` (deleted by `cleanups`) and its first commit, `base`. */
export async function repositoryOf(
  files: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
): Promise<TemporaryRepository & { base: string }> {
  const created = await createTemporaryRepository({ files });
  cleanups.push(created.cleanup);
  return { ...created, base: await created.repository.requireBranch('main') };
}

/** Worktrees of `created` beside its root, one per name at the commit given for it (deleted by `cleanups`). */
export async function addWorktrees<Name extends string>(
  created: TemporaryRepository,
  at: Record<Name, string>,
  cleanups: Array<() => Promise<void>>,
): Promise<Record<Name, Worktree>> {
  const worktrees = {} as Record<Name, Worktree>;
  for (const [name, commit] of Object.entries(at) as Array<[Name, string]>) {
    const worktree = await created.repository.addWorktree(`${created.root}-${name}`, commit);
    cleanups.push(() => rm(worktree.path, { recursive: true, force: true }));
    worktrees[name] = worktree;
  }
  return worktrees;
}

/** The tree of `commit`, as git reads it in `cwd`. */
export async function treeOf(cwd: string, commit: string): Promise<string> {
  return (await runGit(['rev-parse', `${commit}^{tree}`], { cwd })).stdout.trim();
}

/** The trees of `commits` (which must be given), as git reads them in `cwd`. */
export async function treesOf(cwd: string, commits: readonly string[] | undefined): Promise<string[]> {
  expect(commits).toBeDefined();
  return Promise.all(commits!.map((commit) => treeOf(cwd, commit)));
}
