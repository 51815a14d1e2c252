import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderCommitObject } from './commit-object.js';
import { changedPathsBetween, readCommitFields } from './object-reads.js';
import { crc32, crc32ByTable, PackWriter } from './pack-writer.js';
import { readPackedObject } from './packed-object-read.js';
import { runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function repository() {
  const created = await createTemporaryRepository({ files: { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' } });
  cleanups.push(created.cleanup);
  return created;
}

async function git(cwd: string, args: string[], input?: string): Promise<string> {
  return (await runGit(args, { cwd, ...(input === undefined ? {} : { input }) })).stdout;
}

function treeEntry(mode: string, name: string, sha: string): Buffer {
  return Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'latin1'), Buffer.from(sha, 'hex')]);
}

describe('PackWriter', () => {
  it("writes git's shas into one pack git reads, verifies, and indexes byte for byte as index-pack does", async () => {
    const { root, repository: repo } = await repository();
    const base = await repo.requireBranch('main');
    const baseTree = (await git(root, ['rev-parse', `${base}^{tree}`])).trim();
    const writer = new PackWriter();
    const blob = writer.add('blob', Buffer.from('packed\n'));
    // A blob larger than one deflate block, and one of 16+ bytes whose size takes two header bytes.
    const large = writer.add('blob', Buffer.from('x'.repeat(70_000) + 'end\n'));
    const tree = writer.add(
      'tree',
      Buffer.concat([
        treeEntry('100644', 'a.txt', blob),
        treeEntry('40000', 'dir', (await git(root, ['rev-parse', `${base}:dir`])).trim()),
        treeEntry('100644', 'large.txt', large),
      ]),
    );
    const commit = writer.add(
      'commit',
      renderCommitObject({
        tree,
        parents: [base],
        message: 'packed commit\n',
        identity: { name: 'P', email: 'p@example.com' },
        date: new Date('2024-02-02T00:00:00Z'),
      }),
    );
    expect(writer.add('blob', Buffer.from('packed\n'))).toBe(blob);
    expect(writer.size).toBe(4);
    expect(await git(root, ['hash-object', '--stdin'], 'packed\n')).toBe(`${blob}\n`);

    const written = await writer.write(repo.gitDirectory);
    expect(written?.objectCount).toBe(4);
    const packDirectory = join(repo.gitDirectory, 'objects', 'pack');
    expect((await readdir(packDirectory)).sort()).toEqual([
      `pack-${written!.name}.idx`,
      `pack-${written!.name}.pack`,
    ]);
    // Nothing loose: the objects are readable from the pack only.
    await expect(
      readFile(join(repo.gitDirectory, 'objects', commit.slice(0, 2), commit.slice(2))),
    ).rejects.toThrow();
    const packPath = join(packDirectory, `pack-${written!.name}.pack`);
    const verified = await git(root, ['verify-pack', '-v', packPath.replace(/\.pack$/, '.idx')]);
    for (const [sha, type] of [
      [blob, 'blob'],
      [large, 'blob'],
      [tree, 'tree'],
      [commit, 'commit'],
    ]) {
      expect(verified).toMatch(new RegExp(`^${sha} ${type} `, 'm'));
    }
    expect(verified).toContain('non delta: 4 objects');
    expect(await git(root, ['cat-file', '-p', `${commit}:a.txt`])).toBe('packed\n');
    expect(await git(root, ['log', '--format=%s', commit])).toBe('packed commit\nInitial commit\n');
    expect(await git(root, ['diff', '--name-only', base, commit])).toBe('a.txt\nlarge.txt\n');
    // git's own index of the same pack is the same bytes.
    const own = join(root, 'own.idx');
    await git(root, ['index-pack', '-o', own, packPath]);
    expect((await readFile(own)).equals(await readFile(packPath.replace(/\.pack$/, '.idx')))).toBe(true);
    await runGit(['fsck', '--strict', '--no-dangling'], { cwd: root });

    // In-process reads: the commit directly, its tree through isomorphic-git.
    expect(await readCommitFields(repo.gitDirectory, commit)).toEqual({
      tree,
      parents: [base],
      message: 'packed commit\n',
    });
    expect(readPackedObject(repo.gitDirectory, tree)?.type).toBe('tree');
    expect(readPackedObject(repo.gitDirectory, large)?.content.length).toBe(70_004);
    expect(readPackedObject(repo.gitDirectory, baseTree)).toBeUndefined();
    expect(await changedPathsBetween(repo.gitDirectory, base, commit)).toEqual(['a.txt', 'large.txt']);
  });

  it('writes nothing for no objects, and reads objects of packs git wrote', async () => {
    const { root, repository: repo } = await repository();
    expect(await new PackWriter().write(repo.gitDirectory)).toBeUndefined();
    expect(await readdir(join(repo.gitDirectory, 'objects', 'pack'))).toEqual([]);
    await git(root, ['repack', '-a', '-d', '-q']);
    const base = await repo.requireBranch('main');
    const fields = await readCommitFields(repo.gitDirectory, base);
    expect(readPackedObject(repo.gitDirectory, base)?.type).toBe('commit');
    expect(fields.message).toBe('Initial commit\n');
    expect(fields.tree).toBe((await git(root, ['rev-parse', `${base}^{tree}`])).trim());
  });

  it('computes the CRC-32 zlib computes', () => {
    for (const compute of [crc32, crc32ByTable]) {
      expect(compute(Buffer.from('123456789'))).toBe(0xcbf43926);
      expect(compute(Buffer.alloc(0))).toBe(0);
    }
    // The table and zlib's own agree on every byte value and on data of odd lengths.
    const bytes = Buffer.alloc(4099);
    for (let index = 0; index < bytes.length; index += 1) bytes[index] = (index * 7919 + 13) & 0xff;
    for (const length of [1, 255, 256, 4099]) {
      expect(crc32ByTable(bytes.subarray(0, length))).toBe(crc32(bytes.subarray(0, length)));
    }
  });
});
