import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { observeGitCommands, runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  observeGitCommands(undefined);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function update(path: string, from: string, to: string): string {
  return `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${from}\n+${to}\n`;
}

const PATCHES = [
  update('dir/one.txt', 'one', 'ONE'),
  'diff --git a/new dir/made.sh b/new dir/made.sh\nnew file mode 100755\n--- /dev/null\n+++ b/new dir/made.sh\n@@ -0,0 +1 @@\n+#!/bin/sh\n',
  'diff --git a/dir/two.txt b/dir/two.txt\ndeleted file mode 100644\n--- a/dir/two.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-two\n',
  update('top.txt', 'top', 'TOP'),
];

async function twoWorktrees() {
  const created = await createTemporaryRepository({
    files: { 'dir/one.txt': 'one\n', 'dir/two.txt': 'two\n', 'top.txt': 'top\n', 'z.txt': 'z\n' },
  });
  cleanups.push(created.cleanup);
  const base = await created.repository.requireBranch('main');
  const together = await created.repository.addWorktree(`${created.root}-together`, base);
  const alone = await created.repository.addWorktree(`${created.root}-alone`, base);
  cleanups.push(() => rm(together.path, { recursive: true, force: true }));
  cleanups.push(() => rm(alone.path, { recursive: true, force: true }));
  return { ...created, base, together, alone };
}

async function treeOf(cwd: string, commit: string): Promise<string> {
  return (await runGit(['rev-parse', `${commit}^{tree}`], { cwd })).stdout.trim();
}

describe('Worktree.commitChainInOneApply', () => {
  it('commits each patch with the tree of applying them one at a time, in one git process', async () => {
    const { root, together, alone } = await twoWorktrees();
    const expected: string[] = [];
    for (const patch of PATCHES) {
      await alone.applyPatch(patch);
      expected.push(await treeOf(root, await alone.commitIndex({ message: 'one at a time' })));
    }
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const commits = await together.commitChainInOneApply(
      PATCHES.map((patch, index) => ({
        patch,
        message: `patch ${index}`,
        trailers: [{ key: 'K', value: `${index}` }],
      })),
    );
    observeGitCommands(undefined);
    expect(commands).toEqual(['apply']);
    expect(commits).toHaveLength(PATCHES.length);
    const trees = await Promise.all(commits!.map((commit) => treeOf(root, commit)));
    expect(trees).toEqual(expected);
    // A chain: each commit's parent is the one before; HEAD is the last, and the worktree clean.
    expect((await runGit(['rev-parse', `${commits![1]}^`], { cwd: root })).stdout.trim()).toBe(commits![0]);
    expect(await together.head()).toBe(commits!.at(-1));
    expect((await runGit(['status', '--porcelain'], { cwd: together.path })).stdout).toBe('');
    expect(await together.repository.readCommitMessage(commits![2]!)).toBe('patch 2\n\nK: 2\n');
  });

  it('leaves the worktree as it was when the patches share a path or one does not apply', async () => {
    const { base, together } = await twoWorktrees();
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const shared = [update('top.txt', 'top', 'A'), update('top.txt', 'A', 'B')];
    expect(
      await together.commitChainInOneApply(shared.map((patch) => ({ patch, message: 'm' }))),
    ).toBeUndefined();
    expect(commands).toEqual([]);
    // A file replaced by a directory in another patch: the order matters, so git decides.
    const nested = [
      'diff --git a/top.txt b/top.txt\ndeleted file mode 100644\n--- a/top.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-top\n',
      'diff --git a/top.txt/inner b/top.txt/inner\nnew file mode 100644\n--- /dev/null\n+++ b/top.txt/inner\n@@ -0,0 +1 @@\n+inner\n',
    ];
    expect(
      await together.commitChainInOneApply(nested.map((patch) => ({ patch, message: 'm' }))),
    ).toBeUndefined();
    expect(commands).toEqual([]);
    const broken = [PATCHES[1]!, update('z.txt', 'not z', 'Z')];
    expect(
      await together.commitChainInOneApply(broken.map((patch) => ({ patch, message: 'm' }))),
    ).toBeUndefined();
    observeGitCommands(undefined);
    expect(await together.head()).toBe(base);
    expect((await runGit(['status', '--porcelain', '--ignored'], { cwd: together.path })).stdout).toBe('');
  });
});
