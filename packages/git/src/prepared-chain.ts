import {
  applyChain,
  appliedTrees,
  parseChain,
  writeChainCommits,
  type AppliedChain,
  type ChainPatch,
  type ParsedChain,
} from './chain-commits.js';
import type { CommitIdentity } from './commit-identity.js';
import { recordHeldTree, sameIndexFile, snapshotOfIndex, type IndexSnapshot } from './held-chain-index.js';
import type { IndexEntry } from './index-tree.js';
import { readCommitFields } from './object-reads.js';
import { PackWriter } from './pack-writer.js';
import { TreeEditor, type PathEntry } from './tree-edit.js';

/*
 * A chain applied ahead of its build (see `Worktree.prepareChainOn`): its one `git apply` runs on
 * the commit the chain will most likely be built on, before the build must wait for anything, and
 * the build then only writes trees and commits. When the commit it is built on is another one,
 * the applied result carries over if every path of the chain holds the same entry there as on the
 * commit it was applied on: `git apply` reads only the files a patch names, so on either commit it
 * makes the same files from the same files. The trees are then the other commit's, with those
 * paths replaced.
 */

/**
 * A chain applied on a commit ahead of its build (see `Worktree.prepareChainOn`), to be given to
 * `Worktree.tryCommitChainOn` as `prepared`.
 */
export interface PreparedChain {
  /** The commit the chain was applied on. */
  readonly base: string;
  /** True when `patches` are the ones this chain was prepared from (texts, messages, trailers). */
  isFor(patches: readonly ChainPatch[]): boolean;
}

/** What a {@link PreparedChain} holds (made only by {@link prepareChainOn}). */
class AppliedAhead implements PreparedChain {
  readonly base: string;
  /** The common git directory whose objects the apply wrote (its blobs). */
  readonly gitDirectory: string;
  /** The patches, as given. */
  readonly patches: readonly ChainPatch[];
  readonly parsed: ParsedChain;
  readonly applied: AppliedChain;
  /** The throw-away index as the apply left it. */
  readonly snapshot: IndexSnapshot | undefined;

  constructor(
    gitDirectory: string,
    patches: readonly ChainPatch[],
    parsed: ParsedChain,
    applied: AppliedChain,
    snapshot: IndexSnapshot | undefined,
  ) {
    this.base = applied.base;
    this.gitDirectory = gitDirectory;
    this.patches = patches.map((patch) => ({
      ...patch,
      ...(patch.trailers === undefined
        ? {}
        : { trailers: patch.trailers.map((trailer) => ({ ...trailer })) }),
    }));
    this.parsed = parsed;
    this.applied = applied;
    this.snapshot = snapshot;
  }

  isFor(patches: readonly ChainPatch[]): boolean {
    return (
      patches.length === this.patches.length &&
      patches.every((patch, index) => {
        const own = this.patches[index]!;
        return (
          patch.patch === own.patch &&
          patch.message === own.message &&
          JSON.stringify(patch.trailers ?? []) === JSON.stringify(own.trailers ?? [])
        );
      })
    );
  }
}

/**
 * Applies the chain of `patches` on `base` in the worktree's throw-away index (as
 * `Worktree.tryCommitChainOn` does, writing no object): undefined when it would be refused there.
 */
export async function prepareChainOn(
  worktreePath: string,
  gitDirectory: string,
  base: string,
  patches: readonly ChainPatch[],
): Promise<PreparedChain | undefined> {
  const parsed = parseChain(patches);
  if (parsed === undefined) return undefined;
  const applied = await applyChain(worktreePath, gitDirectory, patches, parsed, base);
  if (!('after' in applied)) return undefined;
  return new AppliedAhead(gitDirectory, patches, parsed, applied, await snapshotOfIndex(applied.indexPath));
}

/**
 * The commits of `prepared` built on `base`: on the commit it was applied on, its trees as
 * applied; on another, carried over (see the module comment). Undefined when it does not carry
 * over (a path of the chain holds something else on `base`, or a directory above one is not a
 * tree there) or a patch would change nothing: the caller applies the patches on `base` instead.
 */
export async function commitPreparedChain(
  gitDirectory: string,
  prepared: PreparedChain,
  base: string,
  options: { identity?: CommitIdentity; date?: Date } = {},
): Promise<string[] | undefined> {
  // Only a chain this module prepared in this object database (its blobs are here) holds what is
  // needed; anything else is applied afresh.
  if (!(prepared instanceof AppliedAhead) || prepared.gitDirectory !== gitDirectory) return undefined;
  const { parsed, applied } = prepared;
  const objects = new PackWriter();
  let treeAt: (index: number) => Promise<string | undefined>;
  if (base === prepared.base) treeAt = appliedTrees(objects, applied, parsed);
  else {
    const carried = await carriedTrees(gitDirectory, objects, prepared, base);
    if (carried === undefined) return undefined;
    treeAt = carried;
  }
  const commits = await writeChainCommits(gitDirectory, objects, base, parsed.messages, treeAt, options);
  if (commits === undefined) return undefined;
  await objects.write(gitDirectory);
  // Built where it was applied, and the index not written since: it holds the head's tree.
  if (base === prepared.base && prepared.snapshot !== undefined && (await sameIndexFile(prepared.snapshot)))
    await recordHeldTree(applied.indexPath, commits.at(-1)!);
  return commits;
}

/**
 * The trees of `prepared` carried over to `base`: undefined unless every path of the chain holds
 * on `base` the entry it held where the chain was applied (nothing, or the same mode and object),
 * with a tree at every directory above it.
 */
async function carriedTrees(
  gitDirectory: string,
  objects: PackWriter,
  prepared: AppliedAhead,
  base: string,
): Promise<((index: number) => Promise<string | undefined>) | undefined> {
  const { parsed, applied } = prepared;
  const root = (await readCommitFields(gitDirectory, base)).tree;
  const editor = new TreeEditor(gitDirectory, objects);
  const before = new Map(applied.before.entries.map((entry) => [entry.path, entry]));
  const after = new Map(applied.after.entries.map((entry) => [entry.path, entry]));
  for (const path of parsed.seen) {
    const there = await editor.entryAt(root, path);
    if (there === undefined || !sameEntry(there, before.get(path))) return undefined;
  }
  return (index) => {
    const changes = new Map<string, PathEntry>();
    for (const path of parsed.pathsOf.slice(0, index + 1).flat()) {
      const entry = after.get(path);
      changes.set(path, entry === undefined ? null : { mode: entry.mode.toString(8), sha: entry.sha });
    }
    return editor.edit(root, changes);
  };
}

function sameEntry(there: PathEntry, entry: IndexEntry | undefined): boolean {
  if (there === null || entry === undefined) return there === null && entry === undefined;
  return there.mode === entry.mode.toString(8) && there.sha === entry.sha;
}
