import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommitIdentity } from './commit-identity.js';
import { DEFAULT_COMMIT_IDENTITY } from './commit-identity.js';
import { cleanUpMessage, writeCommitObject } from './commit-object.js';
import { forgetHeldTree, recordHeldTree, takeHeldTree } from './held-chain-index.js';
import {
  parsePlainIndex,
  readPlainIndex,
  writeTreeOfEntries,
  type IndexEntry,
  type PlainIndex,
} from './index-tree.js';
import { objectSha } from './object-sink.js';
import { readCommitFields } from './object-reads.js';
import { PackWriter } from './pack-writer.js';
import { parsePatch } from './patch-parse.js';
import { joinPatches } from './patch-split.js';
import { runGit } from './run-git.js';
import { appendTrailers, type Trailer } from './trailers.js';
import { readWorktreeHead, worktreeGitDirectory, writeDetachedHead } from './worktree-head.js';
import { numstatSections } from './patch-git-paths.js';
import { unquoteGitPath } from './patch-paths.js';

/** One patch of `Worktree.commitChainInOneApply`, with the message of its own commit. */
export interface ChainPatch {
  /** The patch (git or plain unified diff), applied as `git apply --index` would. */
  patch: string;
  /** The commit message, cleaned up as `Worktree.commitIndex` cleans it. */
  message: string;
  /** Trailers appended as a last paragraph of their own. */
  trailers?: Trailer[];
}

/** The paths of each file section of a patch (old and new), in order, as the parser reads them. */
function sectionsOf(patch: string): string[][] | undefined {
  try {
    return parsePatch(patch).map((file) => [
      ...new Set([file.oldPath, file.newPath].filter((path): path is string => path !== undefined)),
    ]);
  } catch {
    return undefined;
  }
}

/** A parsed path as the index spells it (its bytes as latin1). */
function indexSpelling(path: string): string {
  return Buffer.from(path, 'utf8').toString('latin1');
}

function sameSections(applied: readonly string[][], parsed: readonly string[][]): boolean {
  if (applied.length !== parsed.length) return false;
  return applied.every((paths, index) => {
    const expected = parsed[index]!;
    return paths.length === expected.length && paths.every((path) => expected.includes(path));
  });
}

/** True when every index entry that differs between `before` and `after` is one of `paths`. */
function changedOnlyWithin(
  before: readonly IndexEntry[],
  after: readonly IndexEntry[],
  paths: ReadonlySet<string>,
): boolean {
  const key = (entry: IndexEntry) => `${entry.mode} ${entry.sha}`;
  const was = new Map(before.map((entry) => [entry.path, key(entry)]));
  const is = new Map(after.map((entry) => [entry.path, key(entry)]));
  for (const [path, value] of is) if (was.get(path) !== value && !paths.has(path)) return false;
  for (const path of was.keys()) if (!is.has(path) && !paths.has(path)) return false;
  return true;
}

function byPath(left: IndexEntry, right: IndexEntry): number {
  return left.path < right.path ? -1 : left.path > right.path ? 1 : 0;
}

/**
 * The index entries after the first `applied` patches: the final entries, with every path of a
 * later patch as it was before any patch (or absent, when the patches created it).
 */
function entriesAfter(
  final: readonly IndexEntry[],
  before: ReadonlyMap<string, IndexEntry>,
  laterPaths: ReadonlySet<string>,
): IndexEntry[] {
  const entries = final.filter((entry) => !laterPaths.has(entry.path));
  for (const path of laterPaths) {
    const old = before.get(path);
    if (old !== undefined) entries.push(old);
  }
  return entries.sort(byPath);
}

/**
 * Applies `patches` (two or more, on pairwise disjoint paths) to the detached worktree at
 * `worktreePath` with ONE `git apply --index`, then commits them as a chain of one commit per
 * patch on its HEAD, in order, each commit's tree being HEAD's plus the patches up to it — the
 * trees `git apply --index` and `git write-tree` would give one patch at a time, since patches on
 * disjoint paths do not interact. Trees and commits are written in-process, as one pack (see
 * `PackWriter`) written before HEAD moves; HEAD moves to the
 * last commit, so the index and files are the last commit's tree. Returns the commits, in order.
 *
 * Undefined, with the worktree as it was (git applies a patch whole or not at all, and the
 * worktree is checked out again otherwise), when the patches cannot go this way: fewer than two,
 * paths shared, one path a directory of another, paths unreadable, HEAD not detached, an index only git reads, a patch that does not
 * apply (apply them one by one to find out which), or a patch that changes nothing. The caller
 * then applies them one at a time.
 */
export async function applyChainInOneGo(
  worktreePath: string,
  gitDirectory: string,
  patches: readonly ChainPatch[],
  options: { identity?: CommitIdentity; date?: Date } = {},
): Promise<string[] | undefined> {
  return (await tryChainInOneGo(worktreePath, gitDirectory, patches, options)).commits;
}

/** Options of {@link tryChainInOneGo}. */
export interface ChainInOneGoOptions {
  /** Author and committer; defaults to `Hyperion <hyperion@localhost>`. */
  identity?: CommitIdentity;
  /** Author and committer date; defaults to now. */
  date?: Date;
  /**
   * Build the chain on this commit in a throw-away index (`git read-tree`, then `git apply
   * --cached`) instead of on the worktree's checkout: the worktree's files, index and HEAD are not
   * touched, and the same commits are made. Refused (as for any other reason) when a patch's path,
   * or a directory above it, is a symlink in the commit's tree or in the result.
   * The throw-away index is one file in the worktree's git directory: builds on one worktree must
   * not overlap (a worker builds one candidate at a time in its own worktree). A lock on that file
   * left by a git process killed mid-build is therefore stale, and is removed first.
   */
  on?: string;
}

/** What {@link tryChainInOneGo} gives: the commits, or why there are none. */
export type ChainInOneGoResult =
  | { commits: string[] }
  | {
      commits: undefined;
      /**
       * When `git apply` itself refused the patches (the worktree untouched): the path each of its
       * `error:` lines names, in order. Undefined when the patches were refused for another reason,
       * or when a line of git's message is not one of the forms {@link pathsNamedByApplyErrors}
       * reads.
       */
      failedPaths: string[] | undefined;
    };

/**
 * The path named by each `error:` line of `git apply`'s message (LC_ALL=C): `patch failed:
 * <path>:<line>`, `<path>: patch does not apply`, `<path>: does not exist in index`, `<path>:
 * already exists in index` or `in working directory`, `<path>: does not match index`, `<path>:
 * wrong type`, `<path>: No such file or directory`, `affected file '<path>' is beyond a symbolic
 * link`; a path in C-style double quotes is unquoted. Undefined when there is no `error:` line, or
 * one is of any other form. The paths are only a guess to be verified: a hostile path can look like
 * any of these forms.
 */
export function pathsNamedByApplyErrors(message: string): string[] | undefined {
  const paths: string[] = [];
  for (const raw of message.split('\n')) {
    const line = raw.trimEnd();
    if (!line.startsWith('error: ')) continue;
    const path = pathOfApplyError(line.slice('error: '.length));
    if (path === undefined || path === '') return undefined;
    paths.push(unquoted(path));
  }
  return paths.length === 0 ? undefined : paths;
}

const APPLY_ERROR_SUFFIXES = [
  ': patch does not apply',
  ': does not exist in index',
  ': already exists in index',
  ': already exists in working directory',
  ': does not match index',
  ': wrong type',
  ': No such file or directory',
];

function pathOfApplyError(text: string): string | undefined {
  const failed = /^patch failed: (.+):\d+$/.exec(text);
  if (failed !== null) return failed[1];
  const beyond = /^affected file '(.+)' is beyond a symbolic link$/.exec(text);
  if (beyond !== null) return beyond[1];
  const suffix = APPLY_ERROR_SUFFIXES.find((ending) => text.endsWith(ending));
  return suffix === undefined ? undefined : text.slice(0, -suffix.length);
}

/** `path` without git's C-style quotes (`"a\\303\\251"`), or as it is when it is not one quoted name. */
function unquoted(path: string): string {
  return /^"(?:[^"\\]|\\.)*"$/.test(path) ? unquoteGitPath(path) : path;
}

/** What a chain's patches say before anything is applied (see {@link parseChain}). */
export interface ParsedChain {
  /** Each patch's commit message, cleaned up, its trailers appended. */
  messages: string[];
  /** Each patch's paths (old and new, latin1 spelling as the index has them), each once. */
  pathsOf: string[][];
  /** Every path of every patch. */
  seen: Set<string>;
  /** The paths of every file section, in order, as the parser read them. */
  sections: string[][];
}

/**
 * The patches of a chain built in one go, parsed; undefined when they cannot be: fewer than two,
 * one the parser cannot read or with no path or an empty message, two patches of one path, or a
 * path that is a directory of another's (then the order of the patches matters: one at a time,
 * git decides).
 */
export function parseChain(patches: readonly ChainPatch[]): ParsedChain | undefined {
  if (patches.length < 2) return undefined;
  const parsed: ParsedChain = { messages: [], pathsOf: [], seen: new Set(), sections: [] };
  for (const { patch, message, trailers } of patches) {
    const own = sectionsOf(patch);
    const paths = own?.flat().map(indexSpelling);
    const cleaned = cleanUpMessage(appendTrailers(message, trailers ?? []));
    if (own === undefined || paths === undefined || paths.length === 0 || cleaned === '') return undefined;
    parsed.sections.push(...own);
    parsed.messages.push(cleaned);
    for (const path of new Set(paths)) {
      if (parsed.seen.has(path)) return undefined;
      parsed.seen.add(path);
    }
    parsed.pathsOf.push([...new Set(paths)]);
  }
  for (const path of parsed.seen) {
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      if (parsed.seen.has(path.slice(0, slash))) return undefined;
    }
  }
  return parsed;
}

/** The index before and after a chain's one `git apply`, checked (see {@link applyChain}). */
export interface AppliedChain {
  /** The commit the chain was applied on. */
  base: string;
  /** The index file the chain was applied in. */
  indexPath: string;
  before: PlainIndex;
  after: PlainIndex;
}

const REFUSED: ChainInOneGoResult = { commits: undefined, failedPaths: undefined };

/**
 * Applies the patches of a chain with one `git apply`: on `on` in the worktree's throw-away
 * index (nothing else touched), or, without it, with `--index` on the worktree's detached
 * checkout (restored when the result is refused). Refused when git refuses (its failed paths
 * named), when git changed other files or other sections than the parser read, and, in the
 * throw-away index, when a path or a directory above one is a symlink before or after.
 */
export async function applyChain(
  worktreePath: string,
  gitDirectory: string,
  patches: readonly ChainPatch[],
  parsed: ParsedChain,
  on: string | undefined,
): Promise<AppliedChain | ChainInOneGoResult> {
  const own = await worktreeGitDirectory(worktreePath);
  if (own === undefined) return REFUSED;
  const cached = on !== undefined;
  let base: string;
  let indexPath: string;
  let environment: NodeJS.ProcessEnv | undefined;
  if (on !== undefined) {
    // A throw-away index of the base's tree, kept beside the worktree's own index (one file,
    // rewritten by each build: no directory is made per build).
    base = on;
    indexPath = join(own, CHAIN_INDEX_FILE);
    environment = { GIT_INDEX_FILE: indexPath };
    // Nobody else writes this index (builds on one worktree do not overlap): a lock on it is left
    // by a git killed mid-build, and would refuse every later build in one go.
    await rm(`${indexPath}.lock`, { force: true });
  } else {
    const head = await readWorktreeHead(worktreePath, gitDirectory);
    if (head?.kind !== 'detached') return REFUSED;
    base = head.commit;
    indexPath = join(own, 'index');
  }
  const before = cached
    ? await throwAwayIndexOf(worktreePath, gitDirectory, indexPath, base)
    : await readPlainIndex(indexPath);
  if (before === undefined) return REFUSED;
  // `--numstat -z` with `--apply`: the same one process also lists every file section git
  // applied, in order, to be compared with what the parser saw.
  const applied = await runGit(
    ['apply', cached ? '--cached' : '--index', '--apply', '--numstat', '-z', '--whitespace=nowarn', '-'],
    {
      cwd: worktreePath,
      input: joinPatches(patches.map((part) => part.patch)),
      allowFailure: true,
      ...(environment === undefined ? {} : { env: environment }),
    },
  );
  if (applied.exitCode !== 0)
    return { commits: undefined, failedPaths: pathsNamedByApplyErrors(applied.stderr) };
  const after = await readPlainIndex(indexPath);
  const { seen } = parsed;
  const usable =
    after !== undefined &&
    // Built on no checkout, nothing here looked at the files: a path under (or at) a symlink of the
    // base or of the result could resolve outside the worktree once it is checked out. The caller's
    // check of the files decides, one patch at a time.
    !(cached && (underSymlink(before.entries, seen) || underSymlink(after.entries, seen))) &&
    // Each commit's tree is built from the paths the parser found in each patch: git must have
    // changed exactly those files, section by section (a `--no-prefix` patch, a path that is not
    // UTF-8, a section hidden after a binary hunk would otherwise put a later entry's change into
    // an earlier entry's commit). Anything else: one patch at a time, where git decides.
    sameSections(numstatSections(applied.stdout), parsed.sections) &&
    changedOnlyWithin(before.entries, after.entries, seen);
  if (usable) return { base, indexPath, before, after };
  // A throw-away index has nothing to restore: the worktree was never touched.
  if (!cached) await runGit(['checkout', '--force', '--detach', base], { cwd: worktreePath });
  return REFUSED;
}

/**
 * Writes one commit per patch on `base` into `objects`, each with the tree `treeAt(index)` gives
 * (written into `objects` too) and the next patch's commit on it. Undefined, with the objects
 * left unwritten, when a tree cannot be made or a patch changes nothing (it has no commit of its
 * own: one at a time, git says so).
 */
export async function writeChainCommits(
  gitDirectory: string,
  objects: PackWriter,
  base: string,
  messages: readonly string[],
  treeAt: (index: number) => Promise<string | undefined>,
  options: { identity?: CommitIdentity; date?: Date },
): Promise<string[] | undefined> {
  const identity = options.identity ?? DEFAULT_COMMIT_IDENTITY;
  let parent = base;
  let parentTree = (await readCommitFields(gitDirectory, parent)).tree;
  const commits: string[] = [];
  for (let index = 0; index < messages.length; index += 1) {
    const tree = await treeAt(index);
    if (tree === undefined || tree === parentTree) return undefined;
    const commit = await writeCommitObject(objects, {
      tree,
      parents: [parent],
      message: messages[index]!,
      identity,
      ...(options.date === undefined ? {} : { date: options.date }),
    });
    commits.push(commit);
    parent = commit;
    parentTree = tree;
  }
  return commits;
}

/**
 * The trees of an applied chain, by patch: after the first `index + 1` patches, the final index
 * with every path of a later patch as it was before (see {@link entriesAfter}), written into
 * `objects`.
 */
export function appliedTrees(
  objects: PackWriter,
  applied: AppliedChain,
  parsed: ParsedChain,
): (index: number) => Promise<string | undefined> {
  const beforeByPath = new Map(applied.before.entries.map((entry) => [entry.path, entry]));
  return (index) =>
    writeTreeOfEntries(
      objects,
      entriesAfter(applied.after.entries, beforeByPath, new Set(parsed.pathsOf.slice(index + 1).flat())),
      applied.after.cacheTree,
    );
}

/**
 * {@link applyChainInOneGo}, saying why when there are no commits: when `git apply` refused the
 * patches, the paths its message names (see {@link ChainInOneGoResult}), so that the caller can
 * set the patch that does not apply aside and apply the others in one go. With `options.on`, the
 * chain is built on that commit in a throw-away index and the worktree is left as it is (see
 * {@link ChainInOneGoOptions.on}).
 */
export async function tryChainInOneGo(
  worktreePath: string,
  gitDirectory: string,
  patches: readonly ChainPatch[],
  options: ChainInOneGoOptions = {},
): Promise<ChainInOneGoResult> {
  const parsed = parseChain(patches);
  if (parsed === undefined) return REFUSED;
  const applied = await applyChain(worktreePath, gitDirectory, patches, parsed, options.on);
  if (!('after' in applied)) return applied;
  const cached = options.on !== undefined;
  // The chain's trees and commits are collected in memory and written as one pack just before HEAD
  // moves (two new files, against one per object loose); a chain given up writes nothing.
  const objects = new PackWriter();
  const commits = await writeChainCommits(
    gitDirectory,
    objects,
    applied.base,
    parsed.messages,
    appliedTrees(objects, applied, parsed),
    options,
  );
  if (commits === undefined) {
    if (!cached) await runGit(['checkout', '--force', '--detach', applied.base], { cwd: worktreePath });
    return REFUSED;
  }
  const head = commits.at(-1)!;
  await objects.write(gitDirectory);
  if (!cached) await writeDetachedHead(worktreePath, head, applied.base);
  // The throw-away index now holds the tree of the chain's head: a chain built on that head next
  // starts from it.
  else await recordHeldTree(applied.indexPath, head);
  return { commits };
}

/**
 * The throw-away index at `indexPath`, made to hold the tree of `base` and read: taken from a
 * chain built on `base` before when one left it (see `takeHeldTree`; used only when the tree it
 * holds is `base`'s, hashed from the index), else by `git read-tree`. Undefined when git cannot
 * read `base` or the index is of a kind not read here. Whatever it returns, the index is no
 * longer recorded as holding anything: the caller is about to write it.
 */
async function throwAwayIndexOf(
  worktreePath: string,
  gitDirectory: string,
  indexPath: string,
  base: string,
): Promise<PlainIndex | undefined> {
  const content = await takeHeldTree(indexPath, base);
  forgetHeldTree(indexPath);
  const held = content === undefined ? undefined : parsePlainIndex(content);
  if (held !== undefined && (await treeOfIndex(held)) === (await readCommitFields(gitDirectory, base)).tree)
    return held;
  const read = await runGit(['read-tree', base], {
    cwd: worktreePath,
    env: { GIT_INDEX_FILE: indexPath },
    allowFailure: true,
  });
  return read.exitCode === 0 ? readPlainIndex(indexPath) : undefined;
}

/** The sha of the tree `index` holds, computed and written nowhere (undefined for no entry). */
function treeOfIndex(index: PlainIndex): Promise<string | undefined> {
  return writeTreeOfEntries(
    { add: (type, content) => objectSha(type, content) },
    index.entries,
    index.cacheTree,
  );
}

/** The throw-away index of {@link tryChainInOneGo} with `on`, in the worktree's own git directory. */
const CHAIN_INDEX_FILE = 'hyperion-chain-index';

/** Symlink entries' mode in the index. */
const SYMLINK_MODE = 0o120000;

/** True when one of `paths`, or a directory above one, is a symlink among `entries`. */
function underSymlink(entries: readonly IndexEntry[], paths: ReadonlySet<string>): boolean {
  const links = new Set(entries.filter((entry) => entry.mode === SYMLINK_MODE).map((entry) => entry.path));
  if (links.size === 0) return false;
  for (const path of paths) {
    if (links.has(path)) return true;
    for (let slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
      if (links.has(path.slice(0, slash))) return true;
    }
  }
  return false;
}
