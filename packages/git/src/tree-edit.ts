import type { ObjectSink } from './object-sink.js';
import { readObjectOfType } from './object-reads.js';

/*
 * Trees edited in-process: the entries at a few paths of a tree looked up or replaced, the trees
 * on the way down rewritten and every other subtree kept by its sha (what `git read-tree`, a
 * change in the index and `git write-tree` make, without an index of the whole tree).
 */

/** A tree's mode for a subtree, as git writes it. */
export const TREE_MODE = '40000';

/**
 * The modes git writes (a regular file, an executable, a symlink, a submodule, a subtree). An
 * older git or another tool may have written others (`100664`, a zero-padded `040000`), which
 * git itself rewrites canonically when it rewrites the tree: such a tree is not edited here.
 */
const CANONICAL_MODES: ReadonlySet<string> = new Set(['100644', '100755', '120000', '160000', TREE_MODE]);

/** One entry of a tree: its mode as git writes it (`100644`, `40000`…), its name (bytes as latin1), its object. */
export interface TreeItem {
  mode: string;
  name: string;
  sha: string;
}

/** What is at a path of a tree: the entry there, or null when nothing is. */
export type PathEntry = { mode: string; sha: string } | null;

/** The entries of a tree object's content; undefined when it does not parse. */
export function parseTreeContent(content: Buffer): TreeItem[] | undefined {
  const items: TreeItem[] = [];
  let offset = 0;
  while (offset < content.length) {
    const space = content.indexOf(0x20, offset);
    const nul = space === -1 ? -1 : content.indexOf(0, space + 1);
    if (space === -1 || nul === -1 || nul + 21 > content.length) return undefined;
    const mode = content.toString('latin1', offset, space);
    if (!/^[0-7]{5,6}$/.test(mode)) return undefined;
    items.push({
      mode,
      name: content.toString('latin1', space + 1, nul),
      sha: content.toString('hex', nul + 1, nul + 21),
    });
    offset = nul + 21;
  }
  return items;
}

/** git's order of tree entries: by name, a subtree's name as if it ended with `/`. */
function treeItemOrder(left: TreeItem, right: TreeItem): number {
  const a = left.mode === TREE_MODE ? `${left.name}/` : left.name;
  const b = right.mode === TREE_MODE ? `${right.name}/` : right.name;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A tree object's content for `items` (sorted here). */
export function treeContentOf(items: readonly TreeItem[]): Buffer {
  const sorted = [...items].sort(treeItemOrder);
  let size = 0;
  for (const item of sorted) size += item.mode.length + item.name.length + 22;
  const content = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const item of sorted) {
    offset += content.write(item.mode, offset, 'latin1');
    content[offset++] = 0x20;
    offset += content.write(item.name, offset, 'latin1');
    content[offset++] = 0;
    offset += content.write(item.sha, offset, 'hex');
  }
  if (offset !== size) throw new Error(`a tree serialized to ${offset} bytes, expected ${size}`);
  return content;
}

/**
 * Looks up and replaces entries of the trees of one object database; the trees it reads are
 * parsed once, the trees it writes go to `sink` (and are readable by it at once, before the sink
 * writes them out).
 */
export class TreeEditor {
  private readonly gitDirectory: string;
  private readonly sink: ObjectSink;
  private readonly trees = new Map<string, TreeItem[]>();
  private readonly cache = {};

  constructor(gitDirectory: string, sink: ObjectSink) {
    this.gitDirectory = gitDirectory;
    this.sink = sink;
  }

  /**
   * What is at `path` (latin1 spelling, `/`-separated) in tree `root`: the entry, or null when
   * nothing is there. Undefined when a directory above it is not a tree (a file, a symlink, a
   * submodule): git would refuse to put anything there.
   */
  async entryAt(root: string, path: string): Promise<PathEntry | undefined> {
    const parts = path.split('/');
    let tree = root;
    for (let depth = 0; depth < parts.length; depth += 1) {
      const item = (await this.read(tree)).find((entry) => entry.name === parts[depth]);
      if (depth === parts.length - 1) return item === undefined ? null : { mode: item.mode, sha: item.sha };
      if (item === undefined) return null;
      if (item.mode !== TREE_MODE) return undefined;
      tree = item.sha;
    }
    return null;
  }

  /**
   * The tree `root` with each path of `changes` set to its entry (or removed, for null), the
   * trees above it rewritten (a subtree left empty is removed, as git stores none). Undefined when
   * a directory above a changed path is not a tree, when a tree to rewrite holds an entry of a
   * mode git does not write (it would rewrite that entry too), or when the whole tree would be
   * empty.
   */
  async edit(root: string, changes: ReadonlyMap<string, PathEntry>): Promise<string | undefined> {
    const edited = await this.editTree(
      root,
      [...changes].map(([path, entry]) => [path.split('/'), entry] as const),
    );
    return edited === null ? undefined : edited;
  }

  /** The entries of tree `sha`. */
  private async read(sha: string): Promise<TreeItem[]> {
    const known = this.trees.get(sha);
    if (known !== undefined) return known;
    const items = parseTreeContent(await readObjectOfType(this.gitDirectory, sha, 'tree', this.cache));
    if (items === undefined) throw new Error(`tree ${sha} does not parse`);
    this.trees.set(sha, items);
    return items;
  }

  /** `editTree`'s result: the new tree's sha, null when it is empty, undefined when refused. */
  private async editTree(
    sha: string | undefined,
    changes: ReadonlyArray<readonly [readonly string[], PathEntry]>,
  ): Promise<string | null | undefined> {
    const existing = sha === undefined ? [] : await this.read(sha);
    if (existing.some((item) => !CANONICAL_MODES.has(item.mode))) return undefined;
    const items = new Map(existing.map((item) => [item.name, item]));
    const below = new Map<string, Array<readonly [readonly string[], PathEntry]>>();
    for (const [parts, entry] of changes) {
      const name = parts[0]!;
      if (parts.length === 1) {
        if (items.get(name)?.mode === TREE_MODE) return undefined;
        if (entry === null) items.delete(name);
        else items.set(name, { mode: entry.mode, name, sha: entry.sha });
        continue;
      }
      const list = below.get(name) ?? [];
      list.push([parts.slice(1), entry]);
      below.set(name, list);
    }
    for (const [name, nested] of below) {
      const current = items.get(name);
      if (current !== undefined && current.mode !== TREE_MODE) return undefined;
      const subtree = await this.editTree(current?.sha, nested);
      if (subtree === undefined) return undefined;
      if (subtree === null) items.delete(name);
      else items.set(name, { mode: TREE_MODE, name, sha: subtree });
    }
    if (items.size === 0) return null;
    const list = [...items.values()];
    const content = treeContentOf(list);
    const written = await this.sink.add('tree', content);
    this.trees.set(written, list.sort(treeItemOrder));
    return written;
  }
}
