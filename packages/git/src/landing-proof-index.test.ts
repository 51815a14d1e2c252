import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitEnvironment } from './commit-identity.js';
import { formatHyperionTrailers } from './hyperion-trailers.js';
import { observeGitCommands, runGit } from './run-git.js';
import { createTemporaryRepository, type TemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  observeGitCommands(undefined);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function patchId(index: number): string {
  return index.toString(16).padStart(64, '0');
}

function proof(index: number) {
  return { changeId: `chg-${index}`, patchHash: patchId(index) };
}

/** Commits on the checked-out branch of `created`, with Hyperion's block for `index` (or `message`). */
async function land(created: TemporaryRepository, index: number, message?: string): Promise<string> {
  await writeFile(join(created.root, 'n.txt'), `${index} ${Math.random()}\n`);
  await runGit(['add', '-A'], { cwd: created.root });
  const text =
    message ??
    `c${index}\n\n${formatHyperionTrailers({ task: `t-${index}`, change: `chg-${index}`, patch: patchId(index) })}\n`;
  await runGit(['commit', '-q', '--no-verify', '-F', '-'], {
    cwd: created.root,
    input: text,
    env: commitEnvironment({ name: 'T', email: 't@example.test' }),
  });
  return (await runGit(['rev-parse', 'HEAD'], { cwd: created.root })).stdout.trim();
}

async function spawnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; spawns: string[] }> {
  const spawns: string[] = [];
  observeGitCommands(({ args }) => spawns.push(args.join(' ')));
  try {
    return { result: await work(), spawns };
  } finally {
    observeGitCommands(undefined);
  }
}

describe('findLandedChange through the landing-proof index', () => {
  it('indexes once with git, then follows new landings in-process', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const first = await land(created, 1);
    const repository = created.repository;
    const indexed = await spawnsDuring(() => repository.findLandedChange('main', proof(1)));
    expect(indexed.result).toBe(first);
    expect(indexed.spawns).toHaveLength(1);
    expect(indexed.spawns[0]).toMatch(/^log /);
    const second = await land(created, 2);
    const third = await land(created, 3);
    const followed = await spawnsDuring(async () => [
      await repository.findLandedChange('main', proof(2)),
      await repository.findLandedChange('main', proof(3)),
      await repository.findLandedChange('refs/heads/main', proof(1)),
      await repository.findLandedChange('main', proof(4)),
    ]);
    expect(followed.result).toEqual([second, third, first, undefined]);
    expect(followed.spawns).toEqual([]);
  });

  it('agrees with git --grep: the newest commit with the exact block, never a look-alike', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const repository = created.repository;
    await land(created, 1);
    await repository.findLandedChange('main', proof(1));
    const block = formatHyperionTrailers({ task: 't-1', change: 'chg-1', patch: patchId(1) });
    const again = await land(created, 1, `again\n\n${block}\n`);
    await land(created, 5, `look-alike in a body\n\n${block}\n\nOther: trailer\n`);
    await land(
      created,
      6,
      `mixed block\n\n${block.replace('chg-1', 'chg-6').replace(patchId(1), patchId(6))}\nSigned-off-by: x\n`,
    );
    await land(
      created,
      7,
      `another case\n\n${block.replace('chg-1', 'chg-7').replace(patchId(1), patchId(7)).replaceAll('Hyperion-', 'hyperion-')}\n`,
    );
    for (const index of [1, 5, 6, 7]) {
      const viaIndex = await repository.findLandedChange('main', proof(index));
      const viaGrep = await repository.findLandedChange('main', proof(index), { limit: 10_000 });
      expect(viaIndex).toBe(viaGrep);
    }
    expect(await repository.findLandedChange('main', proof(1))).toBe(again);
    expect(await repository.findLandedChange('main', proof(6))).toBeUndefined();
  });

  it('rebuilds when the branch is rewritten: a landing no longer on it is not found', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const repository = created.repository;
    const first = await land(created, 1);
    await land(created, 2);
    expect(await repository.findLandedChange('main', proof(2))).toBeDefined();
    await runGit(['reset', '-q', '--hard', first], { cwd: created.root });
    const rewritten = await land(created, 3);
    expect(await repository.findLandedChange('main', proof(2))).toBeUndefined();
    expect(await repository.findLandedChange('main', proof(3))).toBe(rewritten);
    expect(await repository.findLandedChange('main', proof(1))).toBe(first);
  });

  it('serves concurrent lookups on a moving branch, each answering for the tip it read', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const repository = created.repository;
    const commits = [await land(created, 0)];
    await repository.findLandedChange('main', proof(0));
    for (let index = 1; index <= 5; index += 1) commits.push(await land(created, index));
    const found = await Promise.all(
      commits.map((_, index) => repository.findLandedChange('main', proof(index))),
    );
    expect(found).toEqual(commits);
  });
});

describe('worktreeWithBranch (read in-process)', () => {
  it('finds the main worktree, a linked worktree, and nothing once the branch is checked out nowhere', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const repository = created.repository;
    const found = await spawnsDuring(() => repository.worktreeWithBranch('main'));
    expect(found).toEqual({ result: created.root, spawns: [] });
    await runGit(['branch', 'feature'], { cwd: created.root });
    const linked = `${created.root}-linked`;
    cleanups.push(() => rm(linked, { recursive: true, force: true }));
    await runGit(['worktree', 'add', '-q', linked, 'feature'], { cwd: created.root });
    expect(await repository.worktreeWithBranch('feature')).toBe(linked);
    expect(await repository.worktreeWithBranch('refs/heads/feature')).toBe(linked);
    await runGit(['checkout', '-q', '--detach'], { cwd: created.root });
    expect(await repository.worktreeWithBranch('main')).toBeUndefined();
    // A linked worktree whose directory is gone does not hold its branch.
    await rm(linked, { recursive: true, force: true });
    expect(await repository.worktreeWithBranch('feature')).toBeUndefined();
  });

  it('never names a bare repository as the worktree of its HEAD branch', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const bare = `${created.root}-bare.git`;
    cleanups.push(() => rm(bare, { recursive: true, force: true }));
    await mkdir(bare);
    await runGit(['clone', '-q', '--bare', created.root, bare], { cwd: created.root });
    const { GitRepository } = await import('./git-repository.js');
    const repository = await GitRepository.open(bare);
    expect(await repository.worktreeWithBranch('main')).toBeUndefined();
  });
});
