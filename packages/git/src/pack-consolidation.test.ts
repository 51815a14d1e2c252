import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCommitFields } from './object-reads.js';
import { consolidatePacks, PACK_LIMIT } from './pack-consolidation.js';
import { PackWriter } from './pack-writer.js';
import { renderCommitObject } from './commit-object.js';
import { runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function countPacks(gitDirectory: string): Promise<number> {
  return (await readdir(join(gitDirectory, 'objects', 'pack'))).filter((name) => name.endsWith('.pack'))
    .length;
}

describe('consolidatePacks', () => {
  it('repacks once there are more packs than the limit, every object still readable and fsck clean', async () => {
    const { root, repository, cleanup } = await createTemporaryRepository();
    cleanups.push(cleanup);
    const base = await repository.requireBranch('main');
    const tree = (await runGit(['rev-parse', `${base}^{tree}`], { cwd: root })).stdout.trim();
    // A chain of commits, one small pack each, as the queue's batches leave them.
    const commits: string[] = [];
    let parent = base;
    for (let index = 0; index <= PACK_LIMIT; index += 1) {
      const writer = new PackWriter();
      parent = writer.add(
        'commit',
        renderCommitObject({
          tree,
          parents: [parent],
          message: `pack ${index}\n`,
          identity: { name: 'P', email: 'p@example.com' },
          date: new Date(Date.UTC(2024, 0, 1, 0, index)),
        }),
      );
      await writer.write(repository.gitDirectory);
      commits.push(parent);
    }
    await runGit(['update-ref', 'refs/heads/main', parent], { cwd: root });
    expect(await countPacks(repository.gitDirectory)).toBe(PACK_LIMIT + 1);

    expect(await consolidatePacks(repository.gitDirectory, { limit: PACK_LIMIT + 1 })).toEqual({
      repacked: false,
      reason: 'within_limit',
      packsBefore: PACK_LIMIT + 1,
      packsAfter: PACK_LIMIT + 1,
    });
    const result = await consolidatePacks(repository.gitDirectory);
    expect(result.repacked).toBe(true);
    expect(result.packsBefore).toBe(PACK_LIMIT + 1);
    expect(result.packsAfter).toBeLessThan(5);
    expect(await countPacks(repository.gitDirectory)).toBe(result.packsAfter);
    for (const [index, commit] of commits.entries()) {
      expect((await readCommitFields(repository.gitDirectory, commit)).message).toBe(`pack ${index}\n`);
    }
    expect((await runGit(['rev-list', '--count', 'main'], { cwd: root })).stdout).toBe(`${PACK_LIMIT + 2}\n`);
    await runGit(['fsck', '--strict', '--no-dangling'], { cwd: root });
  });

  it('says the repack was not done when git fails', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'hyperion-not-a-repository-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    await mkdir(join(directory, 'objects', 'pack'), { recursive: true });
    await writeFile(join(directory, 'objects', 'pack', 'pack-0.pack'), '');
    expect(await consolidatePacks(directory, { limit: 0 })).toEqual({
      repacked: false,
      reason: 'repack_failed',
      packsBefore: 1,
      packsAfter: 1,
    });
  });
});
