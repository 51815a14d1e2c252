import { describe, expect, it } from 'vitest';
import { runGit } from './run-git.js';
import {
  addWorktrees,
  cleanupsAfterEach,
  repositoryOf,
  treeOf,
  updatePatch,
} from './testing/chain-fixtures.js';

const cleanups = cleanupsAfterEach();

async function twoWorktrees(files: Record<string, string>) {
  const created = await repositoryOf(files, cleanups);
  const { base } = created;
  return { ...created, ...(await addWorktrees(created, { together: base, alone: base }, cleanups)) };
}

describe('one apply for a chain: patches whose files git reads otherwise than the parser', () => {
  it('refuses an entry of two files, one written `git diff --no-prefix` style (git creates another path)', async () => {
    const { root, together, alone } = await twoWorktrees({
      'c.txt': 'c\n',
      'd.txt': 'd\n',
      'sub/keep.txt': 'k\n',
    });
    const first = updatePatch('c.txt', 'c', 'C');
    // Entry 2: two files. The second is a creation as `git diff --no-prefix` writes it: parsePatch
    // (and so the submission's path check) reads `sub/new.txt`; git apply -p1 creates `new.txt`.
    const second =
      updatePatch('d.txt', 'd', 'D') +
      'diff --git sub/new.txt sub/new.txt\nnew file mode 100644\n--- /dev/null\n+++ sub/new.txt\n@@ -0,0 +1 @@\n+new\n';
    const expected: string[] = [];
    for (const patch of [first, second]) {
      await alone.applyPatch(patch);
      expected.push(await treeOf(root, await alone.commitIndex({ message: 'one at a time' })));
    }
    const commits = await together.commitChainInOneApply([
      { patch: first, message: 'entry 1' },
      { patch: second, message: 'entry 2' },
    ]);
    // Refused, the worktree as it was: the caller applies them one at a time, as git reads them.
    expect(commits).toBeUndefined();
    expect((await runGit(['status', '--porcelain'], { cwd: together.path })).stdout).toBe('');
    expect(expected).toHaveLength(2);
  });

  it('refuses a quoted path that is not UTF-8 (git writes its raw bytes)', async () => {
    const { root, together, alone } = await twoWorktrees({ 'c.txt': 'c\n', 'd.txt': 'd\n' });
    const first = updatePatch('c.txt', 'c', 'C');
    const second =
      updatePatch('d.txt', 'd', 'D') +
      'diff --git "a/\\351.txt" "b/\\351.txt"\nnew file mode 100644\n--- /dev/null\n+++ "b/\\351.txt"\n@@ -0,0 +1 @@\n+latin1\n';
    const expected: string[] = [];
    for (const patch of [first, second]) {
      await alone.applyPatch(patch);
      expected.push(await treeOf(root, await alone.commitIndex({ message: 'one at a time' })));
    }
    const commits = await together.commitChainInOneApply([
      { patch: first, message: 'entry 1' },
      { patch: second, message: 'entry 2' },
    ]);
    // Refused, the worktree as it was: the caller applies them one at a time, as git reads them.
    expect(commits).toBeUndefined();
    expect((await runGit(['status', '--porcelain'], { cwd: together.path })).stdout).toBe('');
    expect(expected).toHaveLength(2);
  });

  it('refuses a plain section hidden after a GIT binary patch (the parser does not see it)', async () => {
    const { root, together, alone } = await twoWorktrees({ 'c.txt': 'c\n', 'd.txt': 'd\n' });
    const first = updatePatch('d.txt', 'd', 'D');
    const second =
      'diff --git a/b.bin b/b.bin\nnew file mode 100644\nindex 0000000000000000000000000000000000000000..88768efdf77ec78c9a995f94881793be6a41752b\nGIT binary patch\nliteral 5\nMcmZQzOv=my00M6TI{*Lx\n\nliteral 0\nHcmV?d00001\n\n--- a/c.txt\n+++ b/c.txt\n@@ -1 +1 @@\n-c\n+SMUGGLED\n';
    const expected: string[] = [];
    for (const patch of [first, second]) {
      await alone.applyPatch(patch);
      expected.push(await treeOf(root, await alone.commitIndex({ message: 'one at a time' })));
    }
    const commits = await together.commitChainInOneApply([
      { patch: first, message: 'entry 1' },
      { patch: second, message: 'entry 2' },
    ]);
    // Refused, the worktree as it was: the caller applies them one at a time, as git reads them.
    expect(commits).toBeUndefined();
    expect((await runGit(['status', '--porcelain'], { cwd: together.path })).stdout).toBe('');
    expect(expected).toHaveLength(2);
  });
  it("refuses a section hidden after a binary patch that changes another entry's file", async () => {
    const { together } = await twoWorktrees({ 'c.txt': 'c\n', 'd.txt': 'd\n' });
    const first = updatePatch('c.txt', 'c', 'C');
    const second =
      'diff --git a/b.bin b/b.bin\nnew file mode 100644\nindex 0000000000000000000000000000000000000000..88768efdf77ec78c9a995f94881793be6a41752b\nGIT binary patch\nliteral 5\nMcmZQzOv=my00M6TI{*Lx\n\nliteral 0\nHcmV?d00001\n\n--- a/c.txt\n+++ b/c.txt\n@@ -1 +1 @@\n-C\n+SMUGGLED\n';
    const commits = await together.commitChainInOneApply([
      { patch: first, message: 'entry 1' },
      { patch: second, message: 'entry 2' },
    ]);
    expect(commits).toBeUndefined();
    expect((await runGit(['status', '--porcelain'], { cwd: together.path })).stdout).toBe('');
  });

  it('still takes git-made patches on disjoint files in one apply, each commit its own tree', async () => {
    const { root, together, alone } = await twoWorktrees({ 'c.txt': 'c\n', 'd.txt': 'd\n' });
    const patches = [updatePatch('c.txt', 'c', 'C'), updatePatch('d.txt', 'd', 'D')];
    const expected: string[] = [];
    for (const patch of patches) {
      await alone.applyPatch(patch);
      expected.push(await treeOf(root, await alone.commitIndex({ message: 'one at a time' })));
    }
    const commits = await together.commitChainInOneApply(
      patches.map((patch, index) => ({ patch, message: `entry ${index + 1}` })),
    );
    expect(commits).toHaveLength(2);
    expect(await Promise.all(commits!.map((commit) => treeOf(root, commit)))).toEqual(expected);
  });
});
