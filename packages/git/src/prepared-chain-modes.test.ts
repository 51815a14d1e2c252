import { describe, expect, it } from 'vitest';
import type { ChainPatch } from './chain-commits.js';
import { writeLooseObject } from './object-sink.js';
import { observeGitCommands, runGit } from './run-git.js';
import {
  addWorktrees,
  cleanupsAfterEach,
  repositoryOf,
  treeOf,
  treesOf,
  updatePatch,
} from './testing/chain-fixtures.js';

/*
 * Review: a prepared chain carried over to another commit Q keeps every sibling entry of the
 * trees it rewrites exactly as Q's tree objects spell them, while `git read-tree` + `git apply
 * --cached` + `git write-tree` on Q (and the old code, which hashed the index) rewrites those
 * directories from index entries, whose modes git canonicalizes (100664 -> 100644, 040000 ->
 * 40000). The carried-over trees therefore differ from git's; with a zero-padded tree mode the
 * carried-over tree is even sorted wrongly (the subtree is ordered as a file), which
 * `git fsck` reports as an error (treeNotSorted). A zero-padded file mode (0100644, seven digits)
 * makes TreeEditor's parser throw, and `tryCommitChainOn` rejects instead of falling back to
 * `git read-tree` + `git apply` (which build it): in the queue that fails the entries with an
 * "unexpected error".
 */

const cleanups = cleanupsAfterEach();

const CHAIN: ChainPatch[] = [
  { patch: updatePatch('dir/one.txt', 'one', 'ONE'), message: 'edit in dir' },
  { patch: updatePatch('top.txt', 'top', 'TOP'), message: 'edit at the top' },
];

interface RawItem {
  mode: string;
  name: string;
  sha: string;
}

/** A tree object written byte for byte as given (no sorting, no mode canonicalization). */
async function rawTree(gitDirectory: string, items: readonly RawItem[]): Promise<string> {
  const content = Buffer.concat(
    items.flatMap((item) => [
      Buffer.from(`${item.mode} ${item.name}\0`, 'latin1'),
      Buffer.from(item.sha, 'hex'),
    ]),
  );
  return writeLooseObject(gitDirectory, 'tree', content);
}

async function lsTree(cwd: string, tree: string): Promise<RawItem[]> {
  const out = (await runGit(['ls-tree', tree], { cwd })).stdout.trim().split('\n');
  return out.map((line) => {
    const [meta, name] = line.split('\t') as [string, string];
    const [mode, , sha] = meta.split(' ') as [string, string, string];
    // ls-tree prints a tree's mode zero-padded; git writes it as 40000.
    return { mode: mode === '040000' ? '40000' : mode, name, sha };
  });
}

async function setUp() {
  const created = await repositoryOf(
    {
      'dir/one.txt': 'one\n',
      'dir/two.txt': 'two\n',
      'sub/inner.txt': 'inner\n',
      'sub.txt': 'sub file\n',
      'top.txt': 'top\n',
    },
    cleanups,
  );
  const { root, base, repository } = created;
  const { builder, fresh } = await addWorktrees(created, { builder: base, fresh: base }, cleanups);
  return {
    ...created,
    builder,
    fresh,
    gitDirectory: repository.gitDirectory,
    rootTree: await treeOf(root, base),
  };
}

describe('a prepared chain on a commit whose trees spell modes as old tools did', () => {
  it('gives the trees git gives there when a sibling has a legacy 100664 mode', async () => {
    const { root, base, builder, fresh, gitDirectory, rootTree } = await setUp();
    // Q: the base's tree, with dir/two.txt stored as 100664 (as git before 2005-04 wrote it).
    const top = await lsTree(root, rootTree);
    const dir = await lsTree(root, top.find((item) => item.name === 'dir')!.sha);
    const legacyDir = await rawTree(
      gitDirectory,
      dir.map((item) => (item.name === 'two.txt' ? { ...item, mode: '100664' } : item)),
    );
    const legacyRoot = await rawTree(
      gitDirectory,
      top.map((item) => (item.name === 'dir' ? { ...item, mode: '40000', sha: legacyDir } : item)),
    );
    const q = (
      await runGit(['commit-tree', '-p', base, '-m', 'legacy modes', legacyRoot], { cwd: root })
    ).stdout.trim();

    const prepared = await builder.prepareChainOn(base, CHAIN);
    expect(prepared).toBeDefined();
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const carried = await builder.tryCommitChainOn(q, CHAIN, { prepared: prepared! });
    observeGitCommands(undefined);
    // Not carried over: git rewrites that tree's legacy mode, so git applies there.
    expect(commands).toEqual(['read-tree', 'apply']);
    const expected = await fresh.tryCommitChainOn(q, CHAIN);
    // What git itself makes on q, one patch at a time.
    await runGit(['checkout', '--quiet', '--force', '--detach', q], { cwd: root });
    const byGit: string[] = [];
    for (const { patch } of CHAIN) {
      await runGit(['apply', '--cached', '-'], { cwd: root, input: patch });
      byGit.push((await runGit(['write-tree'], { cwd: root })).stdout.trim());
    }
    expect(await treesOf(root, expected.commits)).toEqual(byGit);
    expect(await treesOf(root, carried.commits)).toEqual(byGit);
  });

  it('gives the trees git gives there, sorted as git sorts, when a sibling subtree has a zero-padded 040000 mode', async () => {
    const { root, base, builder, fresh, gitDirectory, rootTree } = await setUp();
    // Q: the base's tree with `sub` written as `040000 sub` (zero-padded, as some tools wrote it),
    // in git's order (sub.txt before sub/).
    const top = await lsTree(root, rootTree);
    const padded = await rawTree(
      gitDirectory,
      top.map((item) => (item.name === 'sub' ? { ...item, mode: '040000' } : item)),
    );
    const q = (
      await runGit(['commit-tree', '-p', base, '-m', 'zero-padded', padded], { cwd: root })
    ).stdout.trim();

    const prepared = await builder.prepareChainOn(base, CHAIN);
    expect(prepared).toBeDefined();
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const carried = await builder.tryCommitChainOn(q, CHAIN, { prepared: prepared! });
    observeGitCommands(undefined);
    const expected = await fresh.tryCommitChainOn(q, CHAIN);
    expect(carried.commits).toHaveLength(2);
    // Not carried over: git rewrites that tree's padded mode, so git applies there.
    expect(commands).toEqual(['read-tree', 'apply']);
    // git's fsck finds no error in what the carry-over made (a wrongly sorted tree is an error).
    const fsck = await runGit(['fsck', '--no-dangling', '--strict'], { cwd: root, allowFailure: true });
    expect(fsck.stderr).not.toMatch(/treeNotSorted|not properly sorted/);
    expect(await treesOf(root, carried.commits)).toEqual(await treesOf(root, expected.commits));
  });
  it('builds (as git does there) when a sibling file has a zero-padded 0100644 mode, instead of throwing', async () => {
    const { root, base, builder, fresh, gitDirectory, rootTree } = await setUp();
    // Q: the base's tree with `sub.txt` written as `0100644 sub.txt` (git reads it; fsck warns).
    const top = await lsTree(root, rootTree);
    const padded = await rawTree(
      gitDirectory,
      top.map((item) => (item.name === 'sub.txt' ? { ...item, mode: '0100644' } : item)),
    );
    const q = (
      await runGit(['commit-tree', '-p', base, '-m', 'zero-padded file', padded], { cwd: root })
    ).stdout.trim();
    const expected = await fresh.tryCommitChainOn(q, CHAIN);
    expect(expected.commits).toHaveLength(2);
    const prepared = await builder.prepareChainOn(base, CHAIN);
    expect(prepared).toBeDefined();
    // Without a prepared chain the same worktree builds it; with one, TreeEditor's parser throws
    // ("tree … does not parse") and tryCommitChainOn rejects instead of falling back.
    const carried = await builder.tryCommitChainOn(q, CHAIN, { prepared: prepared! });
    expect(await treesOf(root, carried.commits)).toEqual(await treesOf(root, expected.commits));
  });
});
