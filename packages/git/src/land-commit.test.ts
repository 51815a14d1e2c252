import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository } from './testing/temporary-repository.js';
import type { TemporaryRepository } from './testing/temporary-repository.js';
import type { Worktree } from './worktree.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A repository whose `main` is checked out in the main worktree, plus a worker commit on top of it. */
async function repositoryWithWorkerCommit(): Promise<{
  created: TemporaryRepository;
  base: string;
  candidate: string;
  worker: Worktree;
}> {
  const created = await createTemporaryRepository({ files: { 'README.md': 'old\n', 'other.txt': 'o\n' } });
  cleanups.push(created.cleanup);
  const workerPath = `${created.root}-worker`;
  cleanups.push(() => rm(workerPath, { recursive: true, force: true }));
  const base = await created.repository.requireBranch('main');
  const worker = await created.repository.addWorktree(workerPath, base);
  await writeFile(join(worker.path, 'README.md'), 'new\n');
  await writeFile(join(worker.path, 'added.txt'), 'added\n');
  const candidate = await worker.commit({ message: 'Change README' });
  return { created, base, candidate, worker };
}

describe('landCommit', () => {
  it('moves the ref and updates a clean main worktree that has the branch checked out', async () => {
    const { created, base, candidate } = await repositoryWithWorkerCommit();
    expect(await created.repository.worktreeWithBranch('main')).toBe(created.root);
    // An untracked file does not make the tree dirty (as with git's push-to-checkout).
    await writeFile(join(created.root, 'notes.txt'), 'mine\n');
    const result = await created.repository.landCommit('main', candidate, base);
    expect(result).toEqual({ status: 'landed', commit: candidate });
    expect(await created.repository.resolveRef('main')).toBe(candidate);
    expect(await readFile(join(created.root, 'README.md'), 'utf8')).toBe('new\n');
    expect(await readFile(join(created.root, 'added.txt'), 'utf8')).toBe('added\n');
    expect(await readFile(join(created.root, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(await created.repository.mainWorktree().isClean()).toBe(true);
  });

  it('holds, moving nothing, when a tracked file in that worktree has local changes', async () => {
    const { created, base, candidate } = await repositoryWithWorkerCommit();
    await writeFile(join(created.root, 'other.txt'), 'edited by a person\n');
    const result = await created.repository.landCommit('main', candidate, base);
    expect(result).toEqual({
      status: 'held',
      worktreePath: created.root,
      reason: expect.stringMatching(new RegExp(`^the working tree at ${created.root} has local changes; `)),
    });
    expect(await created.repository.resolveRef('main')).toBe(base);
    expect(await readFile(join(created.root, 'README.md'), 'utf8')).toBe('old\n');
    expect(await readFile(join(created.root, 'other.txt'), 'utf8')).toBe('edited by a person\n');
  });

  it('holds when a change is staged but not committed', async () => {
    const { created, base, candidate } = await repositoryWithWorkerCommit();
    await writeFile(join(created.root, 'staged.txt'), 's\n');
    const { runGit } = await import('./run-git.js');
    await runGit(['add', 'staged.txt'], { cwd: created.root });
    const result = await created.repository.landCommit('main', candidate, base);
    expect(result.status).toBe('held');
    expect(await created.repository.resolveRef('main')).toBe(base);
  });

  it('reports race_lost with the current tip when the expected commit is stale', async () => {
    const { created, base, candidate } = await repositoryWithWorkerCommit();
    await writeFile(join(created.root, 'person.txt'), 'p\n');
    const personCommit = await created.repository.mainWorktree().commit({ message: 'A person commits' });
    const result = await created.repository.landCommit('main', candidate, base);
    expect(result).toEqual({ status: 'race_lost', currentTip: personCommit });
    expect(await created.repository.resolveRef('main')).toBe(personCommit);
    expect(await readFile(join(created.root, 'README.md'), 'utf8')).toBe('old\n');
  });

  it('lands on a branch checked out nowhere by compare-and-swap alone', async () => {
    const { created, base, candidate, worker } = await repositoryWithWorkerCommit();
    await created.repository.compareAndSwapRef('refs/heads/release', base, '');
    expect(await created.repository.worktreeWithBranch('release')).toBeUndefined();
    expect(await created.repository.landCommit('release', candidate, base)).toEqual({
      status: 'landed',
      commit: candidate,
    });
    expect(await created.repository.landCommit('release', candidate, base)).toEqual({
      status: 'race_lost',
      currentTip: candidate,
    });
    expect(await worker.head()).toBe(candidate);
  });
});

describe('landCommit losing the swap after updating the worktree', () => {
  it('puts the worktree files back and reports race_lost', async () => {
    const { created, base, candidate } = await repositoryWithWorkerCommit();
    await writeFile(join(created.root, 'person.txt'), 'p\n');
    const { runGit } = await import('./run-git.js');
    await runGit(['add', 'person.txt'], { cwd: created.root });
    const otherTree = (await runGit(['write-tree'], { cwd: created.root })).stdout.trim();
    const otherCommit = (
      await runGit(['commit-tree', otherTree, '-p', base, '-m', 'Other writer'], { cwd: created.root })
    ).stdout.trim();
    await runGit(['reset', '--quiet', '--hard', base], { cwd: created.root });
    const repository = created.repository;
    const realSwap = repository.compareAndSwapRef.bind(repository);
    // Another writer moves the branch after landCommit checked it, just before it swaps.
    repository.compareAndSwapRef = async (ref, newCommit, expectedOldCommit, reason) => {
      expect(await readFile(join(created.root, 'README.md'), 'utf8')).toBe('new\n');
      await realSwap(ref, otherCommit, base);
      return realSwap(ref, newCommit, expectedOldCommit, reason);
    };
    const result = await repository.landCommit('main', candidate, base);
    expect(result).toEqual({ status: 'race_lost', currentTip: otherCommit });
    expect(await readFile(join(created.root, 'README.md'), 'utf8')).toBe('old\n');
    expect(existsSync(join(created.root, 'added.txt'))).toBe(false);
  });
});
