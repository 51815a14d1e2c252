import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathsNamedByApplyErrors } from './chain-commits.js';
import { observeGitCommands, runGit } from './run-git.js';
import {
  addWorktrees,
  cleanupsAfterEach,
  repositoryOf,
  treeOf,
  updatePatch,
} from './testing/chain-fixtures.js';

const cleanups = cleanupsAfterEach();

const PATCHES = [
  updatePatch('dir/one.txt', 'one', 'ONE'),
  'diff --git a/new dir/made.sh b/new dir/made.sh\nnew file mode 100755\n--- /dev/null\n+++ b/new dir/made.sh\n@@ -0,0 +1 @@\n+#!/bin/sh\n',
  'diff --git a/dir/two.txt b/dir/two.txt\ndeleted file mode 100644\n--- a/dir/two.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-two\n',
  updatePatch('top.txt', 'top', 'TOP'),
];

async function twoWorktrees() {
  const created = await repositoryOf(
    { 'dir/one.txt': 'one\n', 'dir/two.txt': 'two\n', 'top.txt': 'top\n', 'z.txt': 'z\n' },
    cleanups,
  );
  const { base } = created;
  return { ...created, ...(await addWorktrees(created, { together: base, alone: base }, cleanups)) };
}

async function looseObjects(gitDirectory: string): Promise<Set<string>> {
  const shas = new Set<string>();
  for (const directory of await readdir(join(gitDirectory, 'objects'))) {
    if (!/^[0-9a-f]{2}$/.test(directory)) continue;
    for (const name of await readdir(join(gitDirectory, 'objects', directory))) shas.add(directory + name);
  }
  return shas;
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
    const shared = [updatePatch('top.txt', 'top', 'A'), updatePatch('top.txt', 'A', 'B')];
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
    const broken = [PATCHES[1]!, updatePatch('z.txt', 'not z', 'Z')];
    expect(
      await together.commitChainInOneApply(broken.map((patch) => ({ patch, message: 'm' }))),
    ).toBeUndefined();
    observeGitCommands(undefined);
    expect(await together.head()).toBe(base);
    expect((await runGit(['status', '--porcelain', '--ignored'], { cwd: together.path })).stdout).toBe('');
  });
});

describe('the objects of a chain in one go', () => {
  it("are one pack of the chain's trees and commits, which git and the in-process reads read", async () => {
    const { root, base, together, repository } = await twoWorktrees();
    const packs = join(repository.gitDirectory, 'objects', 'pack');
    const packsBefore = await readdir(packs);
    const looseBefore = await looseObjects(repository.gitDirectory);
    const commits = await together.commitChainInOneApply(
      PATCHES.map((patch, index) => ({ patch, message: `patch ${index}` })),
    );
    expect(commits).toHaveLength(PATCHES.length);
    const added = (await readdir(packs)).filter((name) => !packsBefore.includes(name)).sort();
    expect(added).toHaveLength(2);
    expect(added[0]).toMatch(/^pack-[0-9a-f]{40}\.idx$/);
    expect(added[1]).toBe(added[0]!.replace(/idx$/, 'pack'));
    // Loose: only the blobs git apply wrote; the chain's commits and trees are in the pack.
    const looseAdded = [...(await looseObjects(repository.gitDirectory))].filter(
      (sha) => !looseBefore.has(sha),
    );
    for (const sha of looseAdded) {
      expect((await runGit(['cat-file', '-t', sha], { cwd: root })).stdout).toBe('blob\n');
    }
    const verified = (await runGit(['verify-pack', '-v', join(packs, added[0]!)], { cwd: root })).stdout;
    for (const commit of commits!) {
      expect(verified).toMatch(new RegExp(`^${commit} commit `, 'm'));
      expect(verified).toMatch(new RegExp(`^${await treeOf(root, commit)} tree `, 'm'));
    }
    // One tree for the root and one for each changed directory per commit, each object once.
    expect(verified).toContain(`non delta: ${commits!.length + 7} objects`);
    expect((await runGit(['cat-file', '-p', commits![3]!], { cwd: root })).stdout).toContain(
      `parent ${commits![2]}\n`,
    );
    expect((await runGit(['log', '--format=%s', `${base}..${commits![3]}`], { cwd: root })).stdout).toBe(
      'patch 3\npatch 2\npatch 1\npatch 0\n',
    );
    await runGit(['fsck', '--strict', '--no-dangling'], { cwd: root });
    expect(await together.repository.readCommitMessage(commits![1]!)).toBe('patch 1\n');
    // The next commit on top reads its packed parent in-process.
    await together.applyPatch(updatePatch('z.txt', 'z', 'Z'));
    const next = await together.commitIndex({ message: 'on top' });
    expect((await runGit(['rev-parse', `${next}^`], { cwd: root })).stdout.trim()).toBe(commits![3]);
  });
});

describe('Worktree.tryCommitChainInOneApply', () => {
  it("names the paths of git's errors when git refuses the patches, the worktree untouched", async () => {
    const { base, together, root } = await twoWorktrees();
    const broken = [
      updatePatch('dir/one.txt', 'one', 'ONE'),
      updatePatch('z.txt', 'not z', 'Z'),
      updatePatch('top.txt', 'top', 'TOP'),
      'diff --git a/made.txt b/made.txt\nnew file mode 100644\n--- /dev/null\n+++ b/made.txt\n@@ -0,0 +1 @@\n+x\n',
      'diff --git a/gone.txt b/gone.txt\ndeleted file mode 100644\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n',
    ];
    await writeFile(`${together.path}/made.txt`, 'untracked\n');
    const result = await together.tryCommitChainInOneApply(broken.map((patch) => ({ patch, message: 'm' })));
    expect(result.commits).toBeUndefined();
    expect(result.commits === undefined && result.failedPaths).toEqual([
      'z.txt',
      'z.txt',
      'made.txt',
      'gone.txt',
    ]);
    expect(await together.head()).toBe(base);
    expect((await runGit(['status', '--porcelain'], { cwd: together.path })).stdout).toBe('?? made.txt\n');
    // The patches that do apply go in one go, as commitChainInOneApply does.
    await rm(`${together.path}/made.txt`);
    const good = [broken[0]!, broken[2]!].map((patch) => ({ patch, message: 'm' }));
    const applied = await together.tryCommitChainInOneApply(good);
    expect(applied.commits).toHaveLength(2);
    expect(await treeOf(root, applied.commits![1]!)).not.toBe(await treeOf(root, base));
  });
});

describe('pathsNamedByApplyErrors', () => {
  it("reads the path of each of git apply's error lines, unquoting C-style quotes", () => {
    expect(
      pathsNamedByApplyErrors(
        [
          'error: patch failed: dir/a b.txt:12',
          'error: dir/a b.txt: patch does not apply',
          'error: gone.txt: does not exist in index',
          'error: made.txt: already exists in working directory',
          'error: idx.txt: already exists in index',
          'error: "caf\\303\\251.txt": does not match index',
          "error: affected file 'link/inner' is beyond a symbolic link",
          'warning: anything else',
        ].join('\n'),
      ),
    ).toEqual(['dir/a b.txt', 'dir/a b.txt', 'gone.txt', 'made.txt', 'idx.txt', 'café.txt', 'link/inner']);
    // A path with a colon keeps it: only the line number at the end is cut.
    expect(pathsNamedByApplyErrors('error: patch failed: a:1:b.txt:3')).toEqual(['a:1:b.txt']);
  });

  it('reads nothing when a line is of another form, or no line is an error', () => {
    expect(pathsNamedByApplyErrors('error: corrupt patch at line 7')).toBeUndefined();
    expect(
      pathsNamedByApplyErrors('error: patch failed: a.txt:1\nerror: No valid patches in input'),
    ).toBeUndefined();
    expect(pathsNamedByApplyErrors('warning: squelched 1 whitespace error')).toBeUndefined();
    expect(pathsNamedByApplyErrors('')).toBeUndefined();
  });
});
