import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordHeldTree } from './held-chain-index.js';
import { observeGitCommands, runGit } from './run-git.js';
import {
  addWorktrees,
  cleanupsAfterEach,
  repositoryOf,
  treeOf,
  updatePatch,
} from './testing/chain-fixtures.js';
import type { Worktree } from './worktree.js';

const cleanups = cleanupsAfterEach();

const PATCHES = [
  updatePatch('dir/one.txt', 'one', 'ONE'),
  'diff --git a/new dir/made.sh b/new dir/made.sh\nnew file mode 100755\n--- /dev/null\n+++ b/new dir/made.sh\n@@ -0,0 +1 @@\n+#!/bin/sh\n',
  'diff --git a/dir/two.txt b/dir/two.txt\ndeleted file mode 100644\n--- a/dir/two.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-two\n',
  updatePatch('top.txt', 'top', 'TOP'),
];

/** A repository, its first commit `base`, a second commit `other`, and two worktrees at `base`. */
async function setUp() {
  const created = await repositoryOf(
    { 'dir/one.txt': 'one\n', 'dir/two.txt': 'two\n', 'top.txt': 'top\n', 'z.txt': 'z\n' },
    cleanups,
  );
  const { repository, root, base } = created;
  await writeFile(join(root, 'z.txt'), 'z moved on\n');
  await runGit(['commit', '--quiet', '-am', 'other'], { cwd: root });
  const other = await repository.requireBranch('main');
  const { builder, alone } = await addWorktrees(created, { builder: other, alone: base }, cleanups);
  return { ...created, other, builder, alone };
}

/** What `git status` and HEAD say of a worktree: the proof that nothing in it moved. */
async function stateOf(worktree: { path: string; head(): Promise<string> }) {
  const status = await runGit(['status', '--porcelain=v1', '--untracked-files=all', '--ignored'], {
    cwd: worktree.path,
  });
  return { head: await worktree.head(), status: status.stdout };
}

describe('Worktree.tryCommitChainOn', () => {
  it('builds the chain on a commit the worktree is not at, with the trees of one at a time, touching no file', async () => {
    const { root, base, builder, alone } = await setUp();
    const expected: string[] = [];
    for (const patch of PATCHES) {
      await alone.applyPatch(patch);
      expected.push(await treeOf(root, await alone.commitIndex({ message: 'one at a time' })));
    }
    // The builder's worktree is elsewhere, with a change of its own and an untracked file.
    await writeFile(join(builder.path, 'top.txt'), 'edited in the worktree\n');
    await writeFile(join(builder.path, 'untracked.txt'), 'mine\n');
    const before = await stateOf(builder);
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const result = await builder.tryCommitChainOn(
      base,
      PATCHES.map((patch, index) => ({ patch, message: `patch ${index}` })),
    );
    observeGitCommands(undefined);
    expect(commands).toEqual(['read-tree', 'apply']);
    expect(result.commits).toHaveLength(PATCHES.length);
    const commits = result.commits!;
    expect(await Promise.all(commits.map((commit) => treeOf(root, commit)))).toEqual(expected);
    expect((await runGit(['rev-parse', `${commits[0]}^`], { cwd: root })).stdout.trim()).toBe(base);
    expect((await runGit(['rev-parse', `${commits[3]}^`], { cwd: root })).stdout.trim()).toBe(commits[2]);
    expect(await stateOf(builder)).toEqual(before);
    // A second build reuses the throw-away index: the base's tree again, not the last result.
    const again = await builder.tryCommitChainOn(base, [
      { patch: PATCHES[0]!, message: 'again 0' },
      { patch: PATCHES[3]!, message: 'again 1' },
    ]);
    expect(again.commits).toHaveLength(2);
    expect((await runGit(['fsck', '--no-dangling'], { cwd: root })).exitCode).toBe(0);
  });

  it('builds in one go after a git killed mid-build left the throw-away index locked', async () => {
    const { base, builder } = await setUp();
    const gitDirectory = (
      await runGit(['rev-parse', '--absolute-git-dir'], { cwd: builder.path })
    ).stdout.trim();
    // What a killed `git read-tree` or `git apply --cached` leaves behind.
    await writeFile(join(gitDirectory, 'hyperion-chain-index.lock'), '');
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const result = await builder.tryCommitChainOn(base, [
      { patch: PATCHES[0]!, message: 'a' },
      { patch: PATCHES[3]!, message: 'b' },
    ]);
    observeGitCommands(undefined);
    expect(result.commits).toHaveLength(2);
    expect(commands).toEqual(['read-tree', 'apply']);
  });

  it("names git's failed paths when a patch does not apply on the commit, the worktree untouched", async () => {
    const { base, builder } = await setUp();
    const before = await stateOf(builder);
    const result = await builder.tryCommitChainOn(base, [
      { patch: updatePatch('top.txt', 'top', 'TOP'), message: 'a' },
      { patch: updatePatch('z.txt', 'not what is there', 'Z'), message: 'b' },
    ]);
    expect(result.commits).toBeUndefined();
    // git names the path on two lines (`patch failed: z.txt:1`, `z.txt: patch does not apply`).
    expect(new Set(result.commits === undefined ? result.failedPaths : [])).toEqual(new Set(['z.txt']));
    expect(await stateOf(builder)).toEqual(before);
  });

  it('refuses, naming no path, a chain that makes a symlink or changes a path under one: the files decide', async () => {
    const { root, base, builder } = await setUp();
    const link =
      'diff --git a/out b/out\nnew file mode 120000\n--- /dev/null\n+++ b/out\n@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n';
    const before = await stateOf(builder);
    const made = await builder.tryCommitChainOn(base, [
      { patch: link, message: 'a link out' },
      { patch: updatePatch('top.txt', 'top', 'TOP'), message: 'b' },
    ]);
    expect(made).toEqual({ commits: undefined, failedPaths: undefined });
    // A base whose tree holds the symlink: a patch of the link itself is refused as well.
    const withLink = await builder.tryCommitChainOn(base, [
      { patch: link, message: 'a link out' },
      { patch: updatePatch('z.txt', 'z', 'Z'), message: 'c' },
    ]);
    expect(withLink.commits).toBeUndefined();
    await runGit(['checkout', '--quiet', '--detach', base], { cwd: root });
    await runGit(['apply', '--index', '-'], { cwd: root, input: link });
    await runGit(['commit', '--quiet', '-m', 'link'], { cwd: root });
    const linked = (await runGit(['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
    const retarget =
      'diff --git a/out b/out\n--- a/out\n+++ b/out\n@@ -1 +1 @@\n-/etc\n\\ No newline at end of file\n+/tmp\n\\ No newline at end of file\n';
    const changed = await builder.tryCommitChainOn(linked, [
      { patch: retarget, message: 'retarget' },
      { patch: updatePatch('top.txt', 'top', 'TOP'), message: 'd' },
    ]);
    expect(changed).toEqual({ commits: undefined, failedPaths: undefined });
    expect(await stateOf(builder)).toEqual(before);
  });

  describe('the throw-away index a chain leaves (the tree of its head)', () => {
    const NEXT = [updatePatch('z.txt', 'z', 'Z'), updatePatch('dir/one.txt', 'ONE', 'one again')];
    const BACK = [updatePatch('dir/one.txt', 'one again', 'ONE'), updatePatch('z.txt', 'Z', 'z')];

    async function gitDirectoryOf(path: string): Promise<string> {
      return (await runGit(['rev-parse', '--absolute-git-dir'], { cwd: path })).stdout.trim();
    }

    /** The trees of `patches` applied one at a time on `head`, in the main worktree. */
    async function expectedTrees(root: string, head: string, patches = NEXT): Promise<string[]> {
      await runGit(['checkout', '--quiet', '--force', '--detach', head], { cwd: root });
      const trees: string[] = [];
      for (const patch of patches) {
        await runGit(['apply', '--index', '-'], { cwd: root, input: patch });
        trees.push((await runGit(['write-tree'], { cwd: root })).stdout.trim());
      }
      return trees;
    }

    async function buildNext(worktree: Worktree, head: string, patches = NEXT) {
      const commands: string[] = [];
      observeGitCommands(({ args }) => commands.push(args[0]!));
      const result = await worktree.tryCommitChainOn(
        head,
        patches.map((patch, index) => ({ patch, message: `next ${index}` })),
      );
      observeGitCommands(undefined);
      expect(result.commits).toHaveLength(patches.length);
      return { commands, commits: result.commits! };
    }

    it('is where the next chain on that head starts, in this worktree or copied into another: no read-tree, the same trees', async () => {
      const { root, base, builder, alone } = await setUp();
      const first = await builder.tryCommitChainOn(
        base,
        PATCHES.map((patch, index) => ({ patch, message: `patch ${index}` })),
      );
      const head = first.commits!.at(-1)!;
      const expected = await expectedTrees(root, head);
      const mine = await buildNext(builder, head);
      expect(mine.commands).toEqual(['apply']);
      expect(await Promise.all(mine.commits.map((commit) => treeOf(root, commit)))).toEqual(expected);
      // The builder's index now holds its second chain's head; the first head's tree is nowhere,
      // so the other worktree reads it.
      expect((await buildNext(alone, head)).commands).toEqual(['read-tree', 'apply']);
      // Built on the builder's second head, the other worktree copies the builder's index.
      const secondHead = mine.commits.at(-1)!;
      const copied = await buildNext(alone, secondHead, BACK);
      expect(copied.commands).toEqual(['apply']);
      expect(await Promise.all(copied.commits.map((commit) => treeOf(root, commit)))).toEqual(
        await expectedTrees(root, secondHead, BACK),
      );
      expect((await runGit(['fsck', '--no-dangling'], { cwd: root })).exitCode).toBe(0);
    });

    it('is not taken once anything else wrote it, nor when the tree it holds is not the head’s', async () => {
      const { root, base, other, builder } = await setUp();
      const first = await builder.tryCommitChainOn(
        base,
        PATCHES.map((patch, index) => ({ patch, message: `patch ${index}` })),
      );
      const head = first.commits!.at(-1)!;
      const indexPath = join(await gitDirectoryOf(builder.path), 'hyperion-chain-index');
      // git rewrote it (another tree): the record no longer describes the file.
      await runGit(['read-tree', other], { cwd: builder.path, env: { GIT_INDEX_FILE: indexPath } });
      const rewritten = await buildNext(builder, head);
      expect(rewritten.commands).toEqual(['read-tree', 'apply']);
      expect(await Promise.all(rewritten.commits.map((commit) => treeOf(root, commit)))).toEqual(
        await expectedTrees(root, head),
      );
      // A record that names the wrong commit for the file: the tree hashed from the index decides.
      await recordHeldTree(indexPath, other);
      const wrong = await builder.tryCommitChainOn(other, [
        { patch: updatePatch('top.txt', 'top', 'TOP'), message: 'a' },
        { patch: updatePatch('dir/one.txt', 'one', 'ONE'), message: 'b' },
      ]);
      expect(wrong.commits).toHaveLength(2);
      expect((await runGit(['rev-parse', `${wrong.commits![0]}^`], { cwd: root })).stdout.trim()).toBe(other);
      const moved = (await runGit(['diff', '--name-only', other, wrong.commits![1]!], { cwd: root })).stdout;
      expect(moved.trim().split('\n').sort()).toEqual(['dir/one.txt', 'top.txt']);
    });
  });
});
