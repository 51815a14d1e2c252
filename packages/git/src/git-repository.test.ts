import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { GitRepository } from './git-repository.js';
import { formatHyperionTrailers } from './hyperion-trailers.js';
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

async function commitFile(created: TemporaryRepository, path: string, content: string, message: string) {
  await writeFile(join(created.root, path), content);
  return created.repository.mainWorktree().commit({ message });
}

async function expectError(promise: Promise<unknown>, code: string, message: string | RegExp) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(HyperionError.isInstance(error)).toBe(true);
  expect((error as HyperionError).code).toBe(code);
  expect((error as HyperionError).message).toMatch(message);
}

describe('GitRepository.open', () => {
  it('rejects a missing directory with repo_not_found', async () => {
    const missing = join(tmpdir(), 'hyperion-does-not-exist-9f3a');
    await expectError(GitRepository.open(missing), 'repo_not_found', `not a git repository: ${missing}`);
  });

  it('rejects a directory that is not a repository', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'hyperion-plain-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await expectError(GitRepository.open(directory), 'repo_not_found', /^not a git repository: /);
  });

  it('opens from a subdirectory at the main worktree root', async () => {
    const created = await temporaryRepository({ 'src/a.txt': 'a\n' });
    const repository = await GitRepository.open(join(created.root, 'src'));
    expect(repository.root).toBe(created.root);
    expect(repository.gitDirectory).toBe(join(created.root, '.git'));
  });
});

describe('refs', () => {
  it('resolves branch names, full refs, HEAD and shas, and undefined for unknown ones', async () => {
    const { repository } = await temporaryRepository();
    const tip = await repository.requireBranch('main');
    expect(tip).toMatch(/^[0-9a-f]{40}$/);
    expect(await repository.resolveRef('main')).toBe(tip);
    expect(await repository.resolveRef('refs/heads/main')).toBe(tip);
    expect(await repository.resolveRef('HEAD')).toBe(tip);
    expect(await repository.resolveRef(tip)).toBe(tip);
    expect(await repository.resolveRef(tip.slice(0, 10))).toBe(tip);
    expect(await repository.resolveRef('nope')).toBeUndefined();
    expect(await repository.resolveRef('0123456789012345678901234567890123456789')).toBeUndefined();
  });

  it('requireBranch throws branch_not_found naming the branch and the repository', async () => {
    const { repository, root } = await temporaryRepository();
    await expectError(
      repository.requireBranch('release'),
      'branch_not_found',
      `target branch 'release' does not exist in ${root}`,
    );
  });

  it('compare-and-swap moves the ref when it holds the expected commit', async () => {
    const created = await temporaryRepository();
    const base = await created.repository.requireBranch('main');
    const next = await commitFile(created, 'a.txt', 'a\n', 'Add a');
    expect(await created.repository.compareAndSwapRef('refs/heads/feature', base, '')).toBe(true);
    expect(await created.repository.compareAndSwapRef('refs/heads/feature', next, base, 'test')).toBe(true);
    expect(await created.repository.resolveRef('refs/heads/feature')).toBe(next);
  });

  it('compare-and-swap returns false and moves nothing when the ref moved', async () => {
    const created = await temporaryRepository();
    const base = await created.repository.requireBranch('main');
    const next = await commitFile(created, 'a.txt', 'a\n', 'Add a');
    expect(await created.repository.compareAndSwapRef('refs/heads/main', base, base)).toBe(false);
    expect(await created.repository.resolveRef('main')).toBe(next);
    expect(await created.repository.compareAndSwapRef('refs/heads/main', base, '')).toBe(false);
  });

  it('compare-and-swap throws git_failed when the new commit does not exist', async () => {
    const { repository } = await temporaryRepository();
    const base = await repository.requireBranch('main');
    await expectError(
      repository.compareAndSwapRef('refs/heads/main', 'f'.repeat(40), base),
      'git_failed',
      /update-ref/,
    );
  });

  it('of two concurrent compare-and-swaps from the same commit exactly one wins', async () => {
    const created = await temporaryRepository();
    const base = await created.repository.requireBranch('main');
    const worktree = created.repository.mainWorktree();
    const candidates: string[] = [];
    for (const name of ['one', 'two', 'three', 'four']) {
      candidates.push(await commitFile(created, `${name}.txt`, `${name}\n`, `Add ${name}`));
      await worktree.resetTo(base);
    }
    await created.repository.compareAndSwapRef('refs/heads/target', base, '');
    const results = await Promise.all(
      candidates.map((candidate) =>
        created.repository.compareAndSwapRef('refs/heads/target', candidate, base),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = candidates[results.indexOf(true)];
    expect(await created.repository.resolveRef('refs/heads/target')).toBe(winner);
  });
});

describe('history reads', () => {
  it("finds the commit that proves a landing: Hyperion's own block, the whole id, the patch id", async () => {
    const created = await temporaryRepository();
    const worktree = created.repository.mainWorktree();
    const patch = (digit: string) => digit.repeat(64);
    const commitWith = async (file: string, message: string) => {
      await writeFile(join(created.root, file), `${file}\n`);
      return worktree.commit({ message });
    };
    const block = (change: string, patchHash: string) =>
      formatHyperionTrailers({ task: 'T-1', change, patch: patchHash });
    const first = await commitWith('a.txt', `Add a\n\n${block('c1', patch('1'))}`);
    const second = await commitWith('b.txt', `Add b\n\n${block('c2', patch('2'))}`);
    await commitWith(
      'c.txt',
      `Add c\n\nThis is not Hyperion-Change: c1 Hyperion-Patch: ${patch('1')}, only prose.`,
    );
    const mixed = await commitWith('d.txt', `Add d\n\n${block('c1', patch('1'))}\nSigned-off-by: P <p@x>`);
    await commitWith('e.txt', `Add e\n\n${block('c12', patch('1'))}`);
    const found = (changeId: string, patchHash: string, options?: { limit?: number }) =>
      created.repository.findLandedChange('main', { changeId, patchHash }, options);
    expect(await found('c1', patch('1'))).toBe(first);
    expect(await found('c2', patch('2'))).toBe(second);
    expect(
      await created.repository.findLandedChange('refs/heads/main', { changeId: 'c2', patchHash: patch('2') }),
    ).toBe(second);
    expect(await found('c2', patch('1'))).toBeUndefined();
    expect(await found('C2', patch('2'))).toBeUndefined();
    expect(await found('c', patch('1'))).toBeUndefined();
    expect(await found('c9', patch('9'))).toBeUndefined();
    // The limit counts commits whose message mentions both values: the look-alikes come first.
    expect(await found('c1', patch('1'), { limit: 3 })).toBeUndefined();
    expect(
      await created.repository.findLandedChange('missing', { changeId: 'c1', patchHash: patch('1') }),
    ).toBeUndefined();
    expect(await created.repository.readHyperionTrailers(second)).toEqual({
      task: 'T-1',
      change: 'c2',
      patch: patch('2'),
    });
    expect(await created.repository.readHyperionTrailers(mixed)).toBeUndefined();
  });

  it('lists paths changed between two commits, renames as both paths', async () => {
    const created = await temporaryRepository({
      'keep.txt': 'k\n',
      'old/name.txt': 'n\n',
      'gone.txt': 'g\n',
    });
    const base = await created.repository.requireBranch('main');
    const worktree = created.repository.mainWorktree();
    await rm(join(created.root, 'gone.txt'));
    await rm(join(created.root, 'old'), { recursive: true });
    await writeFile(join(created.root, 'new-name.txt'), 'n\n');
    await writeFile(join(created.root, 'keep.txt'), 'changed\n');
    const next = await worktree.commit({ message: 'Shuffle' });
    expect(await created.repository.changedPaths(base, next)).toEqual([
      'gone.txt',
      'keep.txt',
      'new-name.txt',
      'old/name.txt',
    ]);
    expect(await created.repository.changedPaths(next, next)).toEqual([]);
  });
});
