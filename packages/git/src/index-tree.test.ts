import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTreeFromIndex } from './index-tree.js';
import { observeGitCommands, runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  observeGitCommands(undefined);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const FILES = {
  'a.txt': 'a\n',
  'a/b.txt': 'b\n',
  'a-b': 'dash\n',
  a0: 'zero\n',
  'deep/er/still/file.txt': 'deep\n',
  'deep/er/other.txt': 'other\n',
  'z/last.txt': 'z\n',
};

async function repository() {
  const created = await createTemporaryRepository({ files: FILES });
  cleanups.push(created.cleanup);
  return created;
}

async function gitWriteTree(root: string): Promise<string> {
  return (await runGit(['write-tree'], { cwd: root })).stdout.trim();
}

async function write(root: string, path: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

describe('writeTreeFromIndex', () => {
  it('makes the tree git write-tree makes, after changes that invalidate part of the cache tree', async () => {
    const { root, repository: repo } = await repository();
    await write(root, 'deep/er/still/file.txt', 'changed\n');
    await write(root, 'new dir/with space.txt', 'new\n');
    await write(root, 'a/b.txt', 'changed b\n');
    await writeFile(join(root, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await symlink('a.txt', join(root, 'link'));
    await rm(join(root, 'a-b'));
    await runGit(['add', '-A'], { cwd: root });
    // A submodule's commit (a gitlink) is an index entry of mode 160000.
    const head = (await runGit(['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
    await runGit(['update-index', '--add', '--cacheinfo', `160000,${head},vendor/module`], { cwd: root });
    const inProcess = await writeTreeFromIndex(join(root, '.git', 'index'), repo.gitDirectory);
    expect(inProcess).toBe(await gitWriteTree(root));
    // Its objects are really there: git can list the whole tree.
    const listing = await runGit(['ls-tree', '-r', '-t', inProcess!], { cwd: root });
    expect(listing.stdout).toContain('160000 commit');
    expect(listing.stdout).toContain('new dir/with space.txt');
  });

  it('reads an index of version 4 (prefix-compressed paths) and one without a cache tree', async () => {
    const { root, repository: repo } = await repository();
    await runGit(['update-index', '--index-version', '4'], { cwd: root });
    await write(root, 'deep/er/new.txt', 'n\n');
    await runGit(['add', '-A'], { cwd: root });
    expect(await writeTreeFromIndex(join(root, '.git', 'index'), repo.gitDirectory)).toBe(
      await gitWriteTree(root),
    );
    // read-tree without -m drops the cache tree: every directory is hashed.
    await runGit(['update-index', '--index-version', '2'], { cwd: root });
    await runGit(['read-tree', 'HEAD'], { cwd: root });
    expect(await writeTreeFromIndex(join(root, '.git', 'index'), repo.gitDirectory)).toBe(
      await gitWriteTree(root),
    );
  });

  it('leaves to git an index it does not read: intent-to-add entries, a split index, a merge in progress', async () => {
    const { root, repository: repo } = await repository();
    const index = join(root, '.git', 'index');
    await write(root, 'later.txt', 'later\n');
    await runGit(['add', '--intent-to-add', 'later.txt'], { cwd: root });
    expect(await writeTreeFromIndex(index, repo.gitDirectory)).toBeUndefined();
    await runGit(['reset', '--quiet'], { cwd: root });
    await runGit(['update-index', '--split-index'], { cwd: root });
    expect(await writeTreeFromIndex(index, repo.gitDirectory)).toBeUndefined();
    await runGit(['update-index', '--no-split-index'], { cwd: root });
    const blob = (await runGit(['hash-object', '-w', 'a.txt'], { cwd: root })).stdout.trim();
    await runGit(['update-index', '--index-info'], {
      cwd: root,
      input: `0 ${'0'.repeat(40)}\ta.txt\n100644 ${blob} 2\ta.txt\n100644 ${blob} 3\ta.txt\n`,
    });
    expect(await writeTreeFromIndex(index, repo.gitDirectory)).toBeUndefined();
    expect(await writeTreeFromIndex(join(root, 'no-such-index'), repo.gitDirectory)).toBeUndefined();
  });
});

describe('Worktree.commitIndex', () => {
  it('commits a linked worktree index without spawning git write-tree, with the tree git would make', async () => {
    const { root, repository: repo } = await repository();
    const base = await repo.requireBranch('main');
    const worktree = await repo.addWorktree(`${root}-linked`, base);
    cleanups.push(() => rm(worktree.path, { recursive: true, force: true }));
    await worktree.applyPatch(
      [
        'diff --git a/deep/er/other.txt b/deep/er/other.txt',
        '--- a/deep/er/other.txt',
        '+++ b/deep/er/other.txt',
        '@@ -1 +1 @@',
        '-other',
        '+patched',
        '',
      ].join('\n'),
    );
    const expected = await gitWriteTree(worktree.path);
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args.join(' ')));
    const commit = await worktree.commitIndex({ message: 'patched' });
    observeGitCommands(undefined);
    expect(commands).toEqual([]);
    const tree = (await runGit(['rev-parse', `${commit}^{tree}`], { cwd: root })).stdout.trim();
    expect(tree).toBe(expected);
    expect((await runGit(['status', '--porcelain'], { cwd: worktree.path })).stdout).toBe('');
  });
});
