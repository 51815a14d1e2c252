import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { runGit } from './run-git.js';
import { Worktree } from './worktree.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';
import type { TemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function temporaryRepository(files?: Record<string, string>): Promise<TemporaryRepository> {
  const created = await createTemporaryRepository({ files });
  cleanups.push(created.cleanup);
  return created;
}

/** A worktree directory beside the repository, removed with it. */
async function worktreePath(created: TemporaryRepository, name: string): Promise<string> {
  const path = `${created.root}-${name}`;
  cleanups.push(() => rm(path, { recursive: true, force: true }));
  return path;
}

async function treeOf(path: string): Promise<string> {
  await runGit(['add', '-A'], { cwd: path });
  return (await runGit(['write-tree'], { cwd: path })).stdout.trim();
}

const README_PATCH = [
  'diff --git a/README.md b/README.md',
  '--- a/README.md',
  '+++ b/README.md',
  '@@ -1 +1 @@',
  '-old',
  '+new',
  '',
].join('\n');

describe('worktrees', () => {
  it('adds a detached worktree, resets it to a commit exactly, and removes it', async () => {
    const created = await temporaryRepository({ 'a.txt': 'a\n', '.gitignore': 'build/\n' });
    const base = await created.repository.requireBranch('main');
    const path = await worktreePath(created, 'worker-1');
    const worktree = await created.repository.addWorktree(path, base);
    expect(await worktree.head()).toBe(base);
    expect(await readFile(join(worktree.path, 'a.txt'), 'utf8')).toBe('a\n');
    const listed = await created.repository.listWorktrees();
    expect(listed.map((entry) => entry.path)).toEqual([created.root, worktree.path]);
    expect(listed[0]?.branch).toBe('main');
    expect(listed[1]).toEqual({ path: worktree.path, head: base, branch: undefined, locked: false });

    await writeFile(join(worktree.path, 'a.txt'), 'changed\n');
    await writeFile(join(worktree.path, 'untracked.txt'), 'u\n');
    await mkdir(join(worktree.path, 'build'));
    await writeFile(join(worktree.path, 'build', 'ignored.o'), 'o\n');
    expect(await worktree.isClean()).toBe(false);
    await worktree.resetTo(base);
    expect(await readFile(join(worktree.path, 'a.txt'), 'utf8')).toBe('a\n');
    expect(existsSync(join(worktree.path, 'untracked.txt'))).toBe(false);
    expect(existsSync(join(worktree.path, 'build'))).toBe(false);
    expect(await worktree.isClean()).toBe(true);

    await created.repository.removeWorktree(worktree.path);
    expect(existsSync(worktree.path)).toBe(false);
    expect(await created.repository.listWorktrees()).toHaveLength(1);
    await created.repository.removeWorktree(worktree.path);
  });

  it('ensureWorktree reuses a healthy worktree and re-adds a broken or stale one', async () => {
    const created = await temporaryRepository();
    const base = await created.repository.requireBranch('main');
    const path = await worktreePath(created, 'worker-2');
    const first = await created.repository.ensureWorktree(path, base);
    await writeFile(join(first.path, 'marker.txt'), 'still here\n');
    const reused = await created.repository.ensureWorktree(path, base);
    expect(existsSync(join(reused.path, 'marker.txt'))).toBe(true);

    await rm(join(path, '.git'));
    const repaired = await created.repository.ensureWorktree(path, base);
    expect(await repaired.head()).toBe(base);

    await rm(path, { recursive: true });
    const recreated = await created.repository.ensureWorktree(path, base);
    expect(await recreated.head()).toBe(base);
    expect(await created.repository.listWorktrees()).toHaveLength(2);
  });

  it('addWorktree replaces a stale worktree registered at the same path', async () => {
    const created = await temporaryRepository();
    const base = await created.repository.requireBranch('main');
    const path = await worktreePath(created, 'worker-3');
    const stale = await created.repository.addWorktree(path, base);
    await writeFile(join(stale.path, 'leftover.txt'), 'x\n');
    const fresh = await created.repository.addWorktree(path, base);
    expect(existsSync(join(fresh.path, 'leftover.txt'))).toBe(false);
  });

  it('refuses to remove the main worktree', async () => {
    const created = await temporaryRepository();
    await expect(created.repository.removeWorktree(created.root)).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});

describe('patches', () => {
  it('checks and applies a patch that fits', async () => {
    const created = await temporaryRepository({ 'README.md': 'old\n' });
    const worktree = created.repository.mainWorktree();
    expect(await worktree.checkPatch(README_PATCH)).toEqual({ applies: true });
    expect(await worktree.checkPatch(README_PATCH, { threeWay: true })).toEqual({ applies: true });
    await worktree.applyPatch(README_PATCH);
    expect(await readFile(join(created.root, 'README.md'), 'utf8')).toBe('new\n');
    expect((await runGit(['diff', '--cached', '--name-only'], { cwd: created.root })).stdout).toBe(
      'README.md\n',
    );
  });

  it('reports why a patch does not apply, and throws patch_does_not_apply', async () => {
    const created = await temporaryRepository({ 'README.md': 'something else\n' });
    const worktree = created.repository.mainWorktree();
    const check = await worktree.checkPatch(README_PATCH);
    expect(check.applies).toBe(false);
    expect(check.applies === false && check.reason).toMatch(/patch failed: README.md:1/);
    const error = await worktree.applyPatch(README_PATCH).catch((caught: unknown) => caught);
    expect(HyperionError.isInstance(error)).toBe(true);
    expect((error as HyperionError).code).toBe('patch_does_not_apply');
    expect((error as HyperionError).message).toBe('patch does not apply: error: patch failed: README.md:1');
    expect((error as HyperionError).details.stderr).toMatch(/README.md: patch does not apply/);
    expect(await readFile(join(created.root, 'README.md'), 'utf8')).toBe('something else\n');
  });
});

describe('commits', () => {
  it('commits everything with trailers that readTrailers returns, as the given author', async () => {
    const created = await temporaryRepository();
    const worktree = created.repository.mainWorktree();
    await writeFile(join(created.root, 'new.txt'), 'n\n');
    const sha = await worktree.commit({
      message: 'Add new.txt\n\nBecause it was asked for.',
      trailers: [
        { key: 'Hyperion-Task', value: 't-1' },
        { key: 'Hyperion-Change', value: 'c-1' },
      ],
      author: { name: 'Ada', email: 'ada@example.com' },
      date: new Date('2024-05-01T12:00:00Z'),
    });
    expect(await created.repository.resolveRef('main')).toBe(sha);
    expect(await created.repository.readTrailers(sha)).toEqual([
      { key: 'Hyperion-Task', value: 't-1' },
      { key: 'Hyperion-Change', value: 'c-1' },
    ]);
    expect(await created.repository.readCommitMessage(sha)).toBe(
      'Add new.txt\n\nBecause it was asked for.\n\nHyperion-Task: t-1\nHyperion-Change: c-1\n',
    );
    const parsedByGit = await runGit(
      ['log', '-1', '--format=%an <%ae> %at %cn%n%(trailers:only,unfold)', sha],
      {
        cwd: created.root,
      },
    );
    expect(parsedByGit.stdout).toBe(
      'Ada <ada@example.com> 1714564800 Ada\nHyperion-Task: t-1\nHyperion-Change: c-1\n\n',
    );
  });

  it('throws invalid_input when there is nothing to commit', async () => {
    const created = await temporaryRepository();
    await expect(created.repository.mainWorktree().commit({ message: 'Nothing' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: `nothing to commit in ${created.root}`,
    });
  });
});

describe('diffs of the working tree', () => {
  it('includes untracked files and deletions, and round-trips onto a fresh worktree', async () => {
    const created = await temporaryRepository({
      'keep.txt': 'keep\n',
      'delete-me.txt': 'bye\n',
      'edit.txt': 'one\n',
    });
    const base = await created.repository.requireBranch('main');
    const source = await created.repository.addWorktree(await worktreePath(created, 'source'), base);
    await rm(join(source.path, 'delete-me.txt'));
    await writeFile(join(source.path, 'edit.txt'), 'two\n');
    await mkdir(join(source.path, 'nested'));
    await writeFile(join(source.path, 'nested', 'untracked.txt'), 'fresh\n');
    await writeFile(join(source.path, 'image.bin'), Buffer.from([0, 1, 2, 255, 0, 10]));

    const patch = await source.diffAgainst(base);
    expect(patch).toContain('+++ b/nested/untracked.txt');
    expect(patch).toContain('deleted file mode 100644');
    expect(patch).toContain('GIT binary patch');
    expect(await source.changedFiles(base)).toEqual([
      { path: 'delete-me.txt', status: 'deleted' },
      { path: 'edit.txt', status: 'modified' },
      { path: 'image.bin', status: 'added' },
      { path: 'nested/untracked.txt', status: 'added' },
    ]);
    // The real index is untouched: the untracked file is still untracked there.
    expect((await runGit(['status', '--porcelain'], { cwd: source.path })).stdout).toContain('?? nested/');

    const target = await created.repository.addWorktree(await worktreePath(created, 'target'), base);
    await target.applyPatch(patch);
    expect(await treeOf(target.path)).toBe(await treeOf(source.path));
  });

  it('returns an empty diff when nothing changed', async () => {
    const created = await temporaryRepository();
    const base = await created.repository.requireBranch('main');
    expect(await created.repository.mainWorktree().diffAgainst(base)).toBe('');
    expect(await created.repository.mainWorktree().changedFiles(base)).toEqual([]);
  });
});

describe('a worktree pinned to its git directory', () => {
  it('reads its changes from its own repository whatever its .git file says', async () => {
    const created = await temporaryRepository({ 'a.txt': 'a\n' });
    const base = await created.repository.requireBranch('main');
    const worktree = await created.repository.addWorktree(await worktreePath(created, 'pinned'), base);
    const link = await readFile(join(worktree.path, '.git'), 'utf8');
    const gitDirectory = /^gitdir: (.+)$/m.exec(link)![1]!;
    await writeFile(join(worktree.path, 'a.txt'), 'A\n');
    // Repointed at a repository that does not hold the base: unpinned git fails, pinned git does not look.
    const elsewhere = await worktreePath(created, 'elsewhere');
    await runGit(['init', '-q', elsewhere], { cwd: created.root });
    await writeFile(join(worktree.path, '.git'), `gitdir: ${elsewhere}/.git\n`);
    await expect(worktree.changedFiles(base)).rejects.toThrow();
    const pinned = worktree.pinnedTo(gitDirectory);
    expect(await pinned.changedFiles(base)).toEqual([{ path: 'a.txt', status: 'modified' }]);
    expect(await pinned.diffAgainst(base)).toContain('+A');
  });
});

describe('symlink escapes', () => {
  it('reports paths that leave the worktree through a symlink, dangling or not', async () => {
    const created = await temporaryRepository({ 'inside/file.txt': 'x\n' });
    const outside = await worktreePath(created, 'outside');
    await mkdir(outside);
    await symlink(outside, join(created.root, 'escape'));
    await symlink('/etc/passwd', join(created.root, 'passwd-link'));
    await symlink('../../nowhere', join(created.root, 'dangling'));
    await symlink('inside', join(created.root, 'inner-link'));
    const worktree = created.repository.mainWorktree();
    expect(
      await worktree.pathsEscapingThroughSymlinks([
        'inside/file.txt',
        'escape/new.txt',
        'passwd-link',
        'dangling/file',
        'inner-link/file.txt',
        'not-yet/created.txt',
        '../sibling.txt',
      ]),
    ).toEqual(['escape/new.txt', 'passwd-link', 'dangling/file', '../sibling.txt']);
  });
});

describe('Worktree.diffAgainst and racily clean files', () => {
  it('sees a same-size rewrite made right after a checkout (git racy-clean rule)', async () => {
    const created = await temporaryRepository({ 'a.txt': 'a\n' });
    const base = await created.repository.requireBranch('main');
    const worktree = await created.repository.addWorktree(await worktreePath(created, 'racy'), base);
    for (let round = 0; round < 2; round += 1) {
      await worktree.resetTo(base);
      await writeFile(join(worktree.path, 'a.txt'), 'A\n');
      // The diff runs in a later second than the checkout and the rewrite.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await worktree.changedFiles(base)).toEqual([{ path: 'a.txt', status: 'modified' }]);
      expect(await worktree.diffAgainst(base)).toContain('+A');
    }
  });
});

describe('worktrees left behind by a killed `git worktree add`', () => {
  it('reuses a path that is registered, missing and locked', async () => {
    const created = await temporaryRepository({ 'a.txt': 'a\n' });
    const base = await created.repository.requireBranch('main');
    const path = await worktreePath(created, 'killed');
    await created.repository.addWorktree(path, base);
    await runGit(['worktree', 'lock', '--reason', 'initializing', path], { cwd: created.root });
    await rm(path, { recursive: true, force: true });
    const again = await created.repository.ensureWorktree(path, base);
    expect(await again.head()).toBe(base);
    const listed = await created.repository.listWorktrees();
    expect(listed.filter((entry) => entry.path === path)).toHaveLength(1);
    await created.repository.removeWorktree(path);
    expect((await created.repository.listWorktrees()).map((entry) => entry.path)).toEqual([created.root]);
  });
});

describe('a git killed in a worktree', () => {
  it('leaves an index.lock that removeStaleIndexLock removes, and only there', async () => {
    const created = await temporaryRepository({ 'a.txt': 'a\n' });
    const base = await created.repository.requireBranch('main');
    const worktree = await created.repository.addWorktree(await worktreePath(created, 'killed-check'), base);
    const own = (await runGit(['rev-parse', '--absolute-git-dir'], { cwd: worktree.path })).stdout.trim();
    await writeFile(join(own, 'index.lock'), '');
    await writeFile(join(worktree.path, 'a.txt'), 'A\n');
    await expect(worktree.resetTo(base)).rejects.toThrow(/index\.lock/);
    await worktree.removeStaleIndexLock();
    await worktree.resetTo(base);
    expect(await readFile(join(worktree.path, 'a.txt'), 'utf8')).toBe('a\n');

    // A `.git` file rewritten (by whatever ran in the worktree) to name another directory: that
    // directory's index.lock is not the worktree's to remove.
    const elsewhere = await worktreePath(created, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await writeFile(join(elsewhere, 'index.lock'), 'keep');
    const dotGit = join(worktree.path, '.git');
    const original = await readFile(dotGit, 'utf8');
    await writeFile(dotGit, `gitdir: ${elsewhere}\n`);
    await worktree.removeStaleIndexLock();
    expect(existsSync(join(elsewhere, 'index.lock'))).toBe(true);
    // …nor is a sibling worktree's, named directly or through a symlink.
    const sibling = await created.repository.addWorktree(await worktreePath(created, 'sibling'), base);
    const siblingDirectory = (
      await runGit(['rev-parse', '--absolute-git-dir'], { cwd: sibling.path })
    ).stdout.trim();
    await writeFile(join(siblingDirectory, 'index.lock'), 'live');
    await writeFile(dotGit, `gitdir: ${siblingDirectory}\n`);
    await worktree.removeStaleIndexLock();
    const link = await worktreePath(created, 'link');
    await symlink(siblingDirectory, link);
    await writeFile(dotGit, `gitdir: ${link}\n`);
    await worktree.removeStaleIndexLock();
    expect(existsSync(join(siblingDirectory, 'index.lock'))).toBe(true);
    await writeFile(dotGit, original);
    // The main worktree's own index is not a worker's either.
    await writeFile(join(created.repository.gitDirectory, 'index.lock'), '');
    await new Worktree(created.root, created.repository).removeStaleIndexLock();
    expect(existsSync(join(created.repository.gitDirectory, 'index.lock'))).toBe(true);
    await rm(join(created.repository.gitDirectory, 'index.lock'));
  });
});
