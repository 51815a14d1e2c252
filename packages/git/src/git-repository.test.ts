import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { GitRepository } from './git-repository.js';
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
  it('finds the newest first-parent commit with a trailer, and undefined when none has it', async () => {
    const created = await temporaryRepository();
    const worktree = created.repository.mainWorktree();
    await writeFile(join(created.root, 'a.txt'), 'a\n');
    const first = await worktree.commit({
      message: 'Add a',
      trailers: [{ key: 'Hyperion-Change', value: 'c1' }],
    });
    await writeFile(join(created.root, 'b.txt'), 'b\n');
    const second = await worktree.commit({
      message: 'Add b',
      trailers: [{ key: 'Hyperion-Change', value: 'c2' }],
    });
    await writeFile(join(created.root, 'c.txt'), 'c\n');
    await worktree.commit({ message: 'Add c\n\nThis is not Hyperion-Change: c1, only prose.' });
    expect(await created.repository.findCommitWithTrailer('main', 'Hyperion-Change', 'c1')).toBe(first);
    expect(await created.repository.findCommitWithTrailer('main', 'hyperion-change', 'c2')).toBe(second);
    expect(await created.repository.findCommitWithTrailer('main', 'Hyperion-Change', 'c9')).toBeUndefined();
    expect(
      // The limit counts commits whose message mentions the value: the prose commit is the only one seen.
      await created.repository.findCommitWithTrailer('main', 'Hyperion-Change', 'c1', { limit: 1 }),
    ).toBeUndefined();
    expect(
      await created.repository.findCommitWithTrailer('missing', 'Hyperion-Change', 'c1'),
    ).toBeUndefined();
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
