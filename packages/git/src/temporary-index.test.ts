import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { observeGitCommands, runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  observeGitCommands(undefined);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

// A text file normalised to CRLF in the worktree, a filtered one, a CRLF line added, a file made.
const PATCH = [
  'diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,3 @@\n a\n b\n+c\r\n',
  'diff --git a/g.md b/g.md\n--- a/g.md\n+++ b/g.md\n@@ -1,2 +1,2 @@\n x\n-y\n+Z\r\n',
  'diff --git a/new/made.sh b/new/made.sh\nnew file mode 100755\n--- /dev/null\n+++ b/new/made.sh\n@@ -0,0 +1 @@\n+#!/bin/sh\n',
].join('');

describe('Worktree.commitPatchOn', () => {
  it('commits the tree `git apply --index` gives on a checkout of the parent, the worktree untouched', async () => {
    const created = await createTemporaryRepository({
      files: {
        '.gitattributes': '* text eol=crlf\n*.txt filter=upper\n',
        'f.txt': 'a\nb\n',
        'g.md': 'x\ny\n',
      },
    });
    cleanups.push(created.cleanup);
    const { root, repository } = created;
    await runGit(['config', 'filter.upper.smudge', 'tr a-z A-Z'], { cwd: root });
    await runGit(['config', 'filter.upper.clean', 'tr A-Z a-z'], { cwd: root });
    const parent = await repository.requireBranch('main');
    const checkedOut = await repository.addWorktree(`${root}-checked-out`, parent);
    const elsewhere = await repository.addWorktree(`${root}-elsewhere`, parent);
    cleanups.push(() => rm(checkedOut.path, { recursive: true, force: true }));
    cleanups.push(() => rm(elsewhere.path, { recursive: true, force: true }));
    // The worktree that commits is somewhere else: another commit, a file of its own changed.
    await writeFile(join(elsewhere.path, 'g.md'), 'x\nw\n');
    const other = await elsewhere.commit({ message: 'elsewhere' });
    await writeFile(join(elsewhere.path, 'scratch.txt'), 'untracked\n');
    const statusBefore = (await runGit(['status', '--porcelain'], { cwd: elsewhere.path })).stdout;

    await checkedOut.applyPatch(PATCH);
    const expected = await checkedOut.writeTree();
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const made = await elsewhere.commitPatchOn(parent, PATCH, {
      message: 'on the parent\n',
      trailers: [{ key: 'K', value: 'v' }],
    });
    observeGitCommands(undefined);
    expect(commands).toEqual(['read-tree', 'apply']);
    expect(made.committed).toBe(true);
    if (!made.committed) return;
    expect((await runGit(['rev-parse', `${made.commit}^{tree}`], { cwd: root })).stdout.trim()).toBe(
      expected,
    );
    expect((await runGit(['rev-parse', `${made.commit}^`], { cwd: root })).stdout.trim()).toBe(parent);
    expect(await repository.readCommitMessage(made.commit)).toBe('on the parent\n\nK: v\n');
    expect(await elsewhere.head()).toBe(other);
    expect((await runGit(['status', '--porcelain'], { cwd: elsewhere.path })).stdout).toBe(statusBefore);
  });

  it("gives git's reason when the patch does not apply on the parent", async () => {
    const created = await createTemporaryRepository({ files: { 'f.txt': 'other\n' } });
    cleanups.push(created.cleanup);
    const worktree = created.repository.mainWorktree();
    const parent = await created.repository.requireBranch('main');
    const made = await worktree.commitPatchOn(parent, PATCH, { message: 'm' });
    expect(made).toEqual({
      committed: false,
      reason: expect.stringContaining('error: patch failed: f.txt:1') as string,
    });
    expect((await runGit(['status', '--porcelain'], { cwd: created.root })).stdout).toBe('');
  });
});
