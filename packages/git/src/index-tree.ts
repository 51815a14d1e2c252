import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { objectSinkOf, type ObjectSink } from './object-sink.js';
import { TREE_MODE, treeContentOf, type TreeItem } from './tree-edit.js';

/*
 * `git write-tree` in-process: the tree objects of a worktree's index, written into the common
 * object database. Only the plain index formats are read (versions 2, 3 and 4, every entry at
 * stage 0, no extended flags, no split or sparse index); for anything else the caller runs git.
 * Subtrees the index's cache tree (`TREE` extension) still holds as valid are reused as they are,
 * as git does, so only the directories a patch touched are hashed again.
 */

/** One stage-0 entry of the index: its path (bytes as latin1 characters), mode and object. */
export interface IndexEntry {
  path: string;
  mode: number;
  sha: string;
}

/** One node of the index's cache tree: its directory path ('' for the root). */
export interface CacheTreeNode {
  /** Entries under it, or -1 when invalidated. */
  entryCount: number;
  sha: string | undefined;
}

const MODES: ReadonlySet<number> = new Set([0o100644, 0o100755, 0o120000, 0o160000]);

/** Git's "offset" varint of index version 4 (the bytes to strip from the previous path). */
function readVarint(buffer: Buffer, offset: number): { value: number; next: number } {
  let byte = buffer[offset++]!;
  let value = byte & 0x7f;
  while ((byte & 0x80) !== 0) {
    value += 1;
    byte = buffer[offset++]!;
    value = (value << 7) + (byte & 0x7f);
  }
  return { value, next: offset };
}

/** Parses the cache tree (`TREE` extension body): valid nodes by directory path. */
function parseCacheTree(body: Buffer): Map<string, CacheTreeNode> {
  const nodes = new Map<string, CacheTreeNode>();
  let offset = 0;
  // Pre-order: each node is followed by its `subtrees` children.
  const parse = (prefix: string): void => {
    const nul = body.indexOf(0, offset);
    const name = body.toString('latin1', offset, nul);
    offset = nul + 1;
    const newline = body.indexOf(0x0a, offset);
    const [countText = '', subtreesText = ''] = body.toString('latin1', offset, newline).split(' ');
    offset = newline + 1;
    const entryCount = Number(countText);
    const subtrees = Number(subtreesText);
    if (!Number.isInteger(entryCount) || !Number.isInteger(subtrees)) throw new Error('bad cache tree');
    let sha: string | undefined;
    if (entryCount >= 0) {
      sha = body.toString('hex', offset, offset + 20);
      offset += 20;
    }
    const path = prefix === '' ? name : `${prefix}/${name}`;
    nodes.set(path, { entryCount, sha });
    for (let index = 0; index < subtrees; index += 1) parse(path);
  };
  if (body.length > 0) parse('');
  return nodes;
}

/** A plain index, read: its entries (sorted as git keeps them) and its cache tree's nodes. */
export interface PlainIndex {
  entries: IndexEntry[];
  cacheTree: Map<string, CacheTreeNode>;
}

/** The index's stage-0 entries and cache tree, or undefined when git should read it instead. */
function parseIndex(
  content: Buffer,
): { entries: IndexEntry[]; cacheTree: Map<string, CacheTreeNode> } | undefined {
  if (content.length < 32 || content.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = content.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const end = content.length - 20;
  const checksum = content.subarray(end);
  // `index.skipHash` writes zeros; otherwise a checksum that does not match is git's to report.
  if (checksum.some((byte) => byte !== 0)) {
    const actual = createHash('sha1').update(content.subarray(0, end)).digest();
    if (!actual.equals(checksum)) return undefined;
  }
  const count = content.readUInt32BE(8);
  const entries: IndexEntry[] = [];
  let offset = 12;
  let previousPath: Buffer = Buffer.alloc(0);
  for (let index = 0; index < count; index += 1) {
    const start = offset;
    if (start + 62 > end) return undefined;
    const mode = content.readUInt32BE(start + 24);
    const sha = content.toString('hex', start + 40, start + 60);
    const flags = content.readUInt16BE(start + 60);
    // Extended flags (skip-worktree, intent-to-add) and entries of a merge: git decides.
    if ((flags & 0x4000) !== 0 || (flags & 0x3000) !== 0 || !MODES.has(mode)) return undefined;
    offset = start + 62;
    let path: Buffer;
    if (version === 4) {
      const strip = readVarint(content, offset);
      const nul = content.indexOf(0, strip.next);
      if (nul < 0 || strip.value > previousPath.length) return undefined;
      path = Buffer.concat([
        previousPath.subarray(0, previousPath.length - strip.value),
        content.subarray(strip.next, nul),
      ]);
      offset = nul + 1;
    } else {
      const nul = content.indexOf(0, offset);
      if (nul < 0) return undefined;
      path = content.subarray(offset, nul);
      // 1 to 8 NULs pad the entry to a multiple of 8 bytes.
      offset = start + Math.floor((62 + path.length + 8) / 8) * 8;
    }
    previousPath = path;
    entries.push({ path: path.toString('latin1'), mode, sha });
  }
  let cacheTree = new Map<string, CacheTreeNode>();
  while (offset + 8 <= end) {
    const signature = content.toString('latin1', offset, offset + 4);
    const size = content.readUInt32BE(offset + 4);
    const body = content.subarray(offset + 8, offset + 8 + size);
    // A lowercase signature is an extension git requires readers to understand (split index,
    // sparse index): leave those to git. Uppercase ones are optional caches.
    if (signature[0]! >= 'a' && signature[0]! <= 'z') return undefined;
    if (signature === 'TREE') {
      try {
        cacheTree = parseCacheTree(body);
      } catch {
        cacheTree = new Map();
      }
    }
    offset += 8 + size;
  }
  return { entries, cacheTree };
}

/**
 * Writes the tree objects of `entries[from..to)` (the entries under directory `prefix`, sorted
 * as the index keeps them) and returns the tree's sha, reusing valid cache-tree nodes.
 */
async function writeTreeOf(
  sink: ObjectSink,
  entries: readonly IndexEntry[],
  from: number,
  to: number,
  prefix: string,
  cacheTree: ReadonlyMap<string, CacheTreeNode>,
): Promise<string> {
  const cached = cacheTree.get(prefix);
  if (cached !== undefined && cached.sha !== undefined && cached.entryCount === to - from) return cached.sha;
  const children: TreeItem[] = [];
  const skip = prefix === '' ? 0 : prefix.length + 1;
  let index = from;
  while (index < to) {
    const entry = entries[index]!;
    const rest = entry.path.slice(skip);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      children.push({ name: rest, mode: entry.mode.toString(8), sha: entry.sha });
      index += 1;
      continue;
    }
    const name = rest.slice(0, slash);
    const directory = entry.path.slice(0, skip + slash + 1);
    let last = index + 1;
    while (last < to && entries[last]!.path.startsWith(directory)) last += 1;
    const sha = await writeTreeOf(sink, entries, index, last, directory.slice(0, -1), cacheTree);
    children.push({ name, mode: TREE_MODE, sha });
    index = last;
  }
  const content = treeContentOf(children);
  return sink.add('tree', content);
}

/**
 * The sha of the tree `git write-tree` would make from the index file at `indexPath`, its tree
 * objects written into the object database of `gitDirectory` (the common git directory); no git
 * process runs. Undefined when the index is of a kind read here only by git (see the module
 * comment), or cannot be read: the caller then runs `git write-tree`. The objects the entries
 * name are not checked for existence (git's write-tree does); the callers write them first.
 */
export async function writeTreeFromIndex(
  indexPath: string,
  gitDirectory: string,
): Promise<string | undefined> {
  const index = await readPlainIndex(indexPath);
  return index === undefined ? undefined : writeTreeOfEntries(gitDirectory, index.entries, index.cacheTree);
}

/** The index file at `indexPath` read in-process, or undefined when only git should read it. */
export async function readPlainIndex(indexPath: string): Promise<PlainIndex | undefined> {
  const content = await readFile(indexPath).catch(() => undefined);
  return content === undefined ? undefined : parseIndex(content);
}

/** An index file's `content` parsed in-process, or undefined when only git should read it. */
export function parsePlainIndex(content: Buffer): PlainIndex | undefined {
  return parseIndex(content);
}

/**
 * Writes the tree of `entries` (sorted by path as git sorts the index): as loose objects of
 * `destination` when it is the common git directory, or into the sink it is (a `PackWriter`, whose
 * trees are readable once it has written its pack); cache-tree nodes are reused only where they cover exactly the entries found
 * under their directory. Undefined when the entries are empty, unsorted, hold a path twice or a
 * path under another entry's path (git's write-tree then says what is wrong).
 */
export async function writeTreeOfEntries(
  destination: string | ObjectSink,
  entries: readonly IndexEntry[],
  cacheTree: ReadonlyMap<string, CacheTreeNode>,
): Promise<string | undefined> {
  if (entries.length === 0) return undefined;
  for (let index = 1; index < entries.length; index += 1) {
    // Sorted, no path twice, no entry under a path that is a file: else let git say what is wrong.
    const previous = entries[index - 1]!.path;
    const path = entries[index]!.path;
    if (previous >= path || path.startsWith(`${previous}/`)) return undefined;
  }
  return writeTreeOf(objectSinkOf(destination), entries, 0, entries.length, '', cacheTree);
}
