import fs from 'node:fs';
import { readCommit } from 'isomorphic-git';
import { afterEach, describe, expect, it } from 'vitest';
import { readCommitFields } from './object-reads.js';
import { runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Author and committer of the commits these tests make with `git commit-tree`. */
const COMMIT_ENVIRONMENT = {
  GIT_AUTHOR_NAME: 'a',
  GIT_AUTHOR_EMAIL: 'a@x',
  GIT_COMMITTER_NAME: 'a',
  GIT_COMMITTER_EMAIL: 'a@x',
};

/** A temporary repository (deleted after the test), its first commit and that commit's tree. */
async function repositoryWithTree() {
  const created = await createTemporaryRepository();
  cleanups.push(created.cleanup);
  const first = await created.repository.requireBranch('main');
  const tree = (await runGit(['rev-parse', `${first}^{tree}`], { cwd: created.root })).stdout.trim();
  return { ...created, first, tree };
}

/** The fields of `commit` as isomorphic-git's `readCommit` gives them. */
async function fieldsByIsomorphicGit(gitDirectory: string, commit: string) {
  const read = await readCommit({ fs, gitdir: gitDirectory, oid: commit });
  return { tree: read.commit.tree, parents: read.commit.parent, message: read.commit.message };
}

async function revParse(cwd: string, ref: string): Promise<string | undefined> {
  const result = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd,
    allowFailure: true,
  });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

describe('resolveRef (loose and packed refs read in-process)', () => {
  it('answers as git rev-parse does for loose, packed, symbolic, missing and abbreviated refs', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const { root, repository } = created;
    const first = await repository.requireBranch('main');
    await runGit(['commit', '-q', '--allow-empty', '-m', 'second'], {
      cwd: root,
      env: {
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@x',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@x',
      },
    });
    await runGit(['branch', 'packed-only', first], { cwd: root });
    await runGit(['branch', 'both', first], { cwd: root });
    await runGit(['pack-refs', '--all'], { cwd: root });
    // A loose ref written after packing wins over its packed value.
    await runGit(['update-ref', 'refs/heads/both', 'HEAD'], { cwd: root });
    await runGit(['symbolic-ref', 'refs/heads/alias', 'refs/heads/packed-only'], { cwd: root });
    const refs = [
      'HEAD',
      'refs/heads/main',
      'refs/heads/packed-only',
      'refs/heads/both',
      'refs/heads/alias',
      'refs/heads/missing',
      'refs/heads',
      'main',
      first.slice(0, 10),
      first,
    ];
    for (const ref of refs) {
      expect([ref, await repository.resolveRef(ref)]).toEqual([ref, await revParse(root, ref)]);
    }
    expect(await repository.resolveRef('refs/heads/packed-only')).toBe(first);
    expect(await repository.resolveRef('refs/heads/both')).not.toBe(first);
  });

  it('resolves a full sha only when its object is here: loose, packed, or neither', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const { root, repository } = created;
    const first = await repository.requireBranch('main');
    const missing = first.replace(/^./, (digit) => (digit === '0' ? '1' : '0'));
    const loose = `${root}/.git/objects/${first.slice(0, 2)}/${first.slice(2)}`;
    expect(fs.existsSync(loose)).toBe(true);
    expect(await repository.resolveRef(first)).toBe(first);
    expect(await repository.resolveRef(missing)).toBeUndefined();
    await runGit(['gc', '--quiet', '--prune=now'], { cwd: root });
    // Now only a pack index lists it.
    expect(fs.existsSync(loose)).toBe(false);
    expect(await repository.resolveRef(first)).toBe(first);
    expect(await repository.resolveRef(missing)).toBeUndefined();
    expect(await revParse(root, missing)).toBeUndefined();
  });
});

describe('readCommitFields (loose, whole packed and delta commits)', () => {
  it('gives what isomorphic-git gives, for a loose commit and once it is packed', async () => {
    const { root, repository, first: parent, tree } = await repositoryWithTree();
    // commit-tree stores the message as given: leading blank lines, carriage returns, trailing blank lines.
    const commit = (
      await runGit(['commit-tree', tree, '-p', parent, '-F', '-'], {
        cwd: root,
        input: '\n\nSubject\r\n\nbody\n\n\n',
        env: COMMIT_ENVIRONMENT,
      })
    ).stdout.trim();
    const loose = await readCommitFields(repository.gitDirectory, commit);
    expect(loose).toEqual(await fieldsByIsomorphicGit(repository.gitDirectory, commit));
    expect(loose).toEqual({ tree, parents: [parent], message: 'Subject\n\nbody\n' });
    await runGit(['update-ref', 'refs/heads/kept', commit], { cwd: root });
    await runGit(['gc', '--quiet', '--prune=now'], { cwd: root });
    expect(fs.existsSync(`${repository.gitDirectory}/objects/${commit.slice(0, 2)}/${commit.slice(2)}`)).toBe(
      false,
    );
    expect(await readCommitFields(repository.gitDirectory, commit)).toEqual(loose);
  });

  it('reads a commit stored as a delta in a pack as isomorphic-git does, and refuses a tree', async () => {
    const { root, repository, first: base, tree } = await repositoryWithTree();
    // Two commits whose long messages differ in one line: the pack stores one as a delta of the other.
    const body = Array.from({ length: 200 }, (_, line) => `line ${line} of a long message`).join('\n');
    const commits: string[] = [];
    for (const subject of ['First', 'Second']) {
      const made = await runGit(['commit-tree', tree, '-p', base, '-F', '-'], {
        cwd: root,
        input: `${subject}\n\n${body}\n`,
        env: COMMIT_ENVIRONMENT,
      });
      commits.push(made.stdout.trim());
      await runGit(['update-ref', `refs/heads/${subject}`, commits.at(-1)!], { cwd: root });
    }
    await runGit(['repack', '-a', '-d', '-f', '--quiet'], { cwd: root });
    const pack = fs
      .readdirSync(`${repository.gitDirectory}/objects/pack`)
      .find((name) => name.endsWith('.idx'))!;
    const listing = (
      await runGit(['verify-pack', '-v', `${repository.gitDirectory}/objects/pack/${pack}`], { cwd: root })
    ).stdout;
    // verify-pack lists a delta with its depth and base: seven fields after the sha.
    const deltas = listing
      .split('\n')
      .filter((line) => / commit .* [0-9a-f]{40}$/.test(line))
      .map((line) => line.slice(0, 40));
    expect(deltas.length).toBe(1);
    const delta = deltas[0]!;
    expect(commits).toContain(delta);
    expect(await readCommitFields(repository.gitDirectory, delta)).toEqual(
      await fieldsByIsomorphicGit(repository.gitDirectory, delta),
    );
    await expect(readCommitFields(repository.gitDirectory, tree)).rejects.toThrow(/is a tree, not a commit/);
  });
});
