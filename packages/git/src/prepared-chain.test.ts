import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChainPatch } from './chain-commits.js';
import { observeGitCommands, runGit } from './run-git.js';
import {
  addWorktrees,
  cleanupsAfterEach,
  creationPatch,
  removalPatch,
  repositoryOf,
  treesOf,
  updatePatch,
} from './testing/chain-fixtures.js';
import type { Worktree } from './worktree.js';

const cleanups = cleanupsAfterEach();

/** A chain: an edit in `dir/`, a new file in a new directory, the last file of `gone/` removed, an edit at the top. */
const CHAIN: ChainPatch[] = [
  { patch: updatePatch('dir/one.txt', 'one', 'ONE'), message: 'edit in dir' },
  { patch: creationPatch('new dir/deep/made.txt', 'made'), message: 'new directories' },
  { patch: removalPatch('gone/last.txt', 'last'), message: 'empties gone/' },
  { patch: updatePatch('top.txt', 'top', 'TOP'), message: 'edit at the top' },
];

/** A repository at `base`, two worktrees, and commits made on `base` in the main worktree. */
async function setUp() {
  const created = await repositoryOf(
    {
      'dir/one.txt': 'one\n',
      'dir/two.txt': 'two\n',
      'gone/last.txt': 'last\n',
      'top.txt': 'top\n',
      'z.txt': 'z\n',
    },
    cleanups,
  );
  const { root, base } = created;
  const { builder, fresh } = await addWorktrees(created, { builder: base, fresh: base }, cleanups);
  /** A commit on `base` made by `change` in the main worktree (then back at `base`). */
  const commitOnBase = async (change: () => Promise<void>): Promise<string> => {
    await runGit(['checkout', '--quiet', '--force', '--detach', base], { cwd: root });
    await change();
    await runGit(['add', '-A'], { cwd: root });
    await runGit(['commit', '--quiet', '-m', 'moved on'], { cwd: root });
    const made = (await runGit(['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
    await runGit(['checkout', '--quiet', '--force', '--detach', base], { cwd: root });
    return made;
  };
  return { ...created, base, builder, fresh, commitOnBase };
}

/** The chain built with `prepared` on `on`, and the git commands it ran. */
async function buildWith(
  worktree: Worktree,
  on: string,
  prepared: Awaited<ReturnType<Worktree['prepareChainOn']>>,
) {
  const commands: string[] = [];
  observeGitCommands(({ args }) => commands.push(args[0]!));
  const result = await worktree.tryCommitChainOn(on, CHAIN, prepared === undefined ? {} : { prepared });
  observeGitCommands(undefined);
  return { commands, result };
}

describe('Worktree.prepareChainOn', () => {
  it('applies ahead, so that the build on the same commit runs no git and makes the same commits', async () => {
    const { root, base, builder, fresh } = await setUp();
    const prepared = await builder.prepareChainOn(base, CHAIN);
    expect(prepared?.base).toBe(base);
    const built = await buildWith(builder, base, prepared);
    expect(built.commands).toEqual([]);
    const expected = await fresh.tryCommitChainOn(base, CHAIN);
    expect(await treesOf(root, built.result.commits)).toEqual(await treesOf(root, expected.commits));
    expect(await treesOf(root, built.result.commits)).toHaveLength(CHAIN.length);
    // The builder's throw-away index holds the head's tree: the next chain on it reads no tree.
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const next = await builder.tryCommitChainOn(built.result.commits!.at(-1)!, [
      { patch: updatePatch('z.txt', 'z', 'Z'), message: 'a' },
      { patch: updatePatch('dir/two.txt', 'two', 'TWO'), message: 'b' },
    ]);
    observeGitCommands(undefined);
    expect(next.commits).toHaveLength(2);
    expect(commands).toEqual(['apply']);
    expect((await runGit(['fsck', '--strict', '--no-dangling'], { cwd: root })).exitCode).toBe(0);
  });

  it('carries over to a commit that changed other paths: the trees git makes there, no git run', async () => {
    const { root, base, builder, fresh, commitOnBase } = await setUp();
    const prepared = await builder.prepareChainOn(base, CHAIN);
    // Elsewhere: a file of dir/ beside the chain's, a new file in gone/ (so gone/ stays), a new
    // file under `new dir/`, the top-level z.txt.
    const other = await commitOnBase(async () => {
      await writeFile(join(root, 'dir', 'two.txt'), 'two moved\n');
      await writeFile(join(root, 'gone', 'kept.txt'), 'kept\n');
      await mkdir(join(root, 'new dir'), { recursive: true });
      await writeFile(join(root, 'new dir', 'beside.txt'), 'beside\n');
      await writeFile(join(root, 'z.txt'), 'z moved\n');
    });
    const built = await buildWith(builder, other, prepared);
    expect(built.commands).toEqual([]);
    const expected = await fresh.tryCommitChainOn(other, CHAIN);
    expect(await treesOf(root, built.result.commits)).toEqual(await treesOf(root, expected.commits));
    expect((await runGit(['rev-parse', `${built.result.commits![0]}^`], { cwd: root })).stdout.trim()).toBe(
      other,
    );
    // gone/ keeps its other file; on the base, the chain removes the directory.
    const listing = (
      await runGit(['ls-tree', '-r', '--name-only', built.result.commits!.at(-1)!], { cwd: root })
    ).stdout
      .trim()
      .split('\n');
    expect(listing).toEqual([
      'dir/one.txt',
      'dir/two.txt',
      'gone/kept.txt',
      'new dir/beside.txt',
      'new dir/deep/made.txt',
      'top.txt',
      'z.txt',
    ]);
    const onBase = await buildWith(builder, base, prepared);
    expect(
      (await runGit(['ls-tree', '--name-only', onBase.result.commits!.at(-1)!], { cwd: root })).stdout.split(
        '\n',
      ),
    ).not.toContain('gone');
    expect((await runGit(['fsck', '--strict', '--no-dangling'], { cwd: root })).exitCode).toBe(0);
  });

  it('does not carry over where a path of the chain, or a directory above one, differs: git applies there', async () => {
    const { root, base, builder, fresh, commitOnBase } = await setUp();
    const prepared = await builder.prepareChainOn(base, CHAIN);
    const cases = {
      // The chain's own file changed beside its line: it still applies, to other content.
      'its file': async () => writeFile(join(root, 'top.txt'), 'top\nmore\n'),
      // `new dir` is a file there: the new file cannot be made (git refuses the chain).
      'a file where its directory goes': async () => writeFile(join(root, 'new dir'), 'a file\n'),
      // The chain's new file exists there already.
      'its new file': async () => {
        await mkdir(join(root, 'new dir', 'deep'), { recursive: true });
        await writeFile(join(root, 'new dir', 'deep', 'made.txt'), 'made\n');
      },
    };
    for (const [name, change] of Object.entries(cases)) {
      const other = await commitOnBase(change);
      const built = await buildWith(builder, other, prepared);
      const expected = await fresh.tryCommitChainOn(other, CHAIN);
      expect([name, built.commands]).toEqual([name, ['read-tree', 'apply']]);
      expect([name, built.result]).toEqual([name, expected.commits === undefined ? expected : built.result]);
      if (expected.commits !== undefined)
        expect(await treesOf(root, built.result.commits)).toEqual(await treesOf(root, expected.commits));
    }
    expect((await runGit(['fsck', '--strict', '--no-dangling'], { cwd: root })).exitCode).toBe(0);
  });

  it('is used only for the patches it was prepared from, and is refused where the chain is', async () => {
    const { root, base, builder } = await setUp();
    const prepared = await builder.prepareChainOn(base, CHAIN);
    const changed = CHAIN.map((patch, index) =>
      index === 3 ? { ...patch, message: 'another message' } : patch,
    );
    expect(prepared?.isFor(CHAIN)).toBe(true);
    expect(prepared?.isFor(changed)).toBe(false);
    expect(prepared?.isFor([...CHAIN, { patch: updatePatch('z.txt', 'z', 'Z'), message: 'more' }])).toBe(
      false,
    );
    const commands: string[] = [];
    observeGitCommands(({ args }) => commands.push(args[0]!));
    const built = await builder.tryCommitChainOn(base, changed, { prepared: prepared! });
    observeGitCommands(undefined);
    // The throw-away index holds what the preparation left: the base's tree is read again.
    expect(commands).toEqual(['read-tree', 'apply']);
    expect(
      (await runGit(['log', '-1', '--format=%s', built.commits!.at(-1)!], { cwd: root })).stdout.trim(),
    ).toBe('another message');
    // Prepared in another repository (its blobs are there, not here): applied here afresh.
    const elsewhere = await repositoryOf({ 'dir/one.txt': 'one\n', 'top.txt': 'top\n' }, cleanups);
    const { builder: elsewhereWorktree } = await addWorktrees(
      elsewhere,
      { builder: elsewhere.base },
      cleanups,
    );
    // Contents no object of this repository has.
    const two = [
      { patch: updatePatch('dir/one.txt', 'one', 'one from elsewhere'), message: 'a' },
      { patch: updatePatch('top.txt', 'top', 'top from elsewhere'), message: 'b' },
    ];
    const foreign = await elsewhereWorktree.prepareChainOn(elsewhere.base, two);
    expect(foreign?.isFor(two)).toBe(true);
    const here = await builder.tryCommitChainOn(base, two, { prepared: foreign! });
    expect(here.commits).toHaveLength(2);
    // Every object of the chain is here.
    const missing = await runGit(['rev-list', '--objects', '--missing=print', here.commits!.at(-1)!], {
      cwd: root,
    });
    expect(missing.stdout.split('\n').filter((line) => line.startsWith('?'))).toEqual([]);
    // Refused on the base (a patch that does not apply): nothing is prepared.
    expect(
      await builder.prepareChainOn(base, [
        CHAIN[0]!,
        { patch: updatePatch('z.txt', 'not there', 'Z'), message: 'b' },
      ]),
    ).toBeUndefined();
  });
});
