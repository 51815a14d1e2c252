import fs, { existsSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { join } from 'node:path';
import type { TreeEntry } from 'isomorphic-git';
import { provesLanding, type LandingProof } from './hyperion-trailers.js';
import { isomorphicGit } from './isomorphic-git-loader.js';
import type { GitObjectType } from './object-sink.js';
import { isInPacks, readPackedObject } from './packed-object-read.js';

/*
 * In-process reads of refs and objects through isomorphic-git: no process is spawned per call.
 * Every function takes the common git directory of the repository.
 */

const HEX = /^[0-9a-f]{4,40}$/i;
const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * True when the object `oid` is in the repository: a loose object file or a pack index that lists
 * it answers at once (a file test, or an index lookup kept in memory); only otherwise is
 * isomorphic-git asked, which reads every pack index again on each call without a cache.
 */
async function objectExists(gitDirectory: string, oid: string): Promise<boolean> {
  if (FULL_SHA.test(oid)) {
    if (existsSync(join(gitDirectory, 'objects', oid.slice(0, 2), oid.slice(2)))) return true;
    if (isInPacks(gitDirectory, oid)) return true;
  }
  try {
    await (await isomorphicGit()).readObject({ fs, gitdir: gitDirectory, oid, format: 'deflated' });
    return true;
  } catch {
    return false;
  }
}

/** A full ref name that is safe to read as a path under the git directory. */
const PLAIN_REF = /^(?:HEAD|refs\/(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+)$/;

function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/**
 * `ref` (`HEAD` or a full `refs/…` name) read straight from its loose file, or from `packed-refs`
 * when there is none, following symbolic refs: one or two small synchronous file reads. Undefined when the ref does
 * not exist; null when this cannot tell (an unusual name or file), so the caller asks isomorphic-git.
 */
async function readPlainRef(
  gitDirectory: string,
  ref: string,
  depth = 0,
): Promise<string | undefined | null> {
  if (!PLAIN_REF.test(ref) || ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return null;
  }
  let loose: string | undefined;
  try {
    loose = readFileSync(join(gitDirectory, ref), 'utf8').trim();
  } catch (error) {
    if (!missing(error)) return null;
  }
  if (loose !== undefined) {
    if (FULL_SHA.test(loose)) return loose;
    const target = /^ref: (\S+)$/.exec(loose)?.[1];
    return target === undefined || depth >= 5 ? null : readPlainRef(gitDirectory, target, depth + 1);
  }
  let packed = '';
  try {
    packed = readFileSync(join(gitDirectory, 'packed-refs'), 'utf8');
  } catch (error) {
    if (!missing(error)) return null;
  }
  for (const line of packed.split('\n')) {
    if (line.endsWith(` ${ref}`)) {
      const sha = line.slice(0, line.length - ref.length - 1);
      return FULL_SHA.test(sha) ? sha : null;
    }
  }
  return undefined;
}

/** Full sha `ref` resolves to (a branch, a full ref, `HEAD`, a full or abbreviated sha), or undefined. */
export async function resolveToCommit(gitDirectory: string, ref: string): Promise<string | undefined> {
  if (ref.length === 0) return undefined;
  // The refs the queue reads on every change (`refs/heads/<branch>`, remote-tracking refs) cost a
  // file read or two this way, against about a millisecond through isomorphic-git's lookup.
  const plain = await readPlainRef(gitDirectory, ref);
  if (plain !== null) return plain;
  // A full sha of an object that is here (the commits the queue just built, read back): a file
  // test or an index lookup, no isomorphic-git.
  if (FULL_SHA.test(ref) && (await objectExists(gitDirectory, ref))) return ref;
  if (!HEX.test(ref) || ref.length === 40) {
    try {
      const oid = await (await isomorphicGit()).resolveRef({ fs, gitdir: gitDirectory, ref });
      if (!HEX.test(ref) || (await objectExists(gitDirectory, oid))) return oid;
    } catch {
      if (!HEX.test(ref)) return undefined;
    }
  }
  try {
    return await (await isomorphicGit()).expandOid({ fs, gitdir: gitDirectory, oid: ref.toLowerCase() });
  } catch {
    return undefined;
  }
}

/** A commit's tree, parents and message (its message as isomorphic-git gives it, see {@link readCommitFields}). */
export interface CommitFields {
  /** The sha of its tree. */
  tree: string;
  /** Its parents, in order. */
  parents: string[];
  /** Its message: carriage returns removed, no leading line breaks, one final line break. */
  message: string;
}

/** The message as isomorphic-git's `readCommit` returns it (its `normalizeNewlines`). */
function normalizedMessage(message: string): string {
  return `${message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
}

/** The fields of a commit object's content (no header), or undefined when they do not parse. */
function parseCommit(body: string): CommitFields | undefined {
  const split = body.indexOf('\n\n');
  const headers = (split === -1 ? body : body.slice(0, split)).split('\n');
  const tree = /^tree ([0-9a-f]{40})$/.exec(headers[0] ?? '')?.[1];
  if (tree === undefined) return undefined;
  const parents: string[] = [];
  for (const header of headers.slice(1)) {
    const parent = /^parent ([0-9a-f]{40})$/.exec(header)?.[1];
    if (parent === undefined) break;
    parents.push(parent);
  }
  return { tree, parents, message: normalizedMessage(split === -1 ? '' : body.slice(split + 2)) };
}

/**
 * The object `sha` (a full sha) read in-process: a loose object with one synchronous read and
 * inflate, a whole object of a pack with a few positional reads (see `readPackedObject`).
 * Undefined when it is neither (a delta, say) or its header is not one of a commit, tree or blob.
 */
export function readObjectDirectly(
  gitDirectory: string,
  sha: string,
): { type: GitObjectType; content: Buffer } | undefined {
  if (!FULL_SHA.test(sha)) return undefined;
  let object: Buffer | undefined;
  try {
    object = inflateSync(readFileSync(join(gitDirectory, 'objects', sha.slice(0, 2), sha.slice(2))));
  } catch {
    object = undefined;
  }
  if (object === undefined) return readPackedObject(gitDirectory, sha);
  const headerEnd = object.indexOf(0);
  const header = /^(commit|tree|blob) (\d+)$/.exec(object.toString('latin1', 0, Math.max(headerEnd, 0)));
  if (headerEnd === -1 || header === null) return undefined;
  const content = object.subarray(headerEnd + 1);
  return content.length === Number(header[2]) ? { type: header[1] as GitObjectType, content } : undefined;
}

/**
 * The object `sha` (a full sha) of type `type`: read directly when it is loose or whole in a
 * pack, else through isomorphic-git (a delta). Throws when it is not there or not of that type.
 */
export async function readObjectOfType(
  gitDirectory: string,
  sha: string,
  type: GitObjectType,
  cache?: object,
): Promise<Buffer> {
  const direct = readObjectDirectly(gitDirectory, sha);
  if (direct !== undefined) {
    if (direct.type !== type) throw new Error(`object ${sha} is a ${direct.type}, not a ${type}`);
    return direct.content;
  }
  const read = await (
    await isomorphicGit()
  ).readObject({ fs, gitdir: gitDirectory, oid: sha, format: 'content', cache });
  if (read.type !== type || !(read.object instanceof Uint8Array))
    throw new Error(`object ${sha} is a ${read.type}, not a ${type}`);
  return Buffer.from(read.object);
}

/**
 * The tree, parents and message of `commit` (a full sha), parsed in-process from the object as
 * {@link readObjectOfType} reads it (loose, whole in a pack, or a delta through isomorphic-git).
 * Throws when it is not there, not a commit, or its headers do not parse.
 */
export async function readCommitFields(
  gitDirectory: string,
  commit: string,
  cache?: object,
): Promise<CommitFields> {
  const fields = parseCommit(
    (await readObjectOfType(gitDirectory, commit, 'commit', cache)).toString('utf8'),
  );
  if (fields === undefined) throw new Error(`commit ${commit} does not parse`);
  return fields;
}

/** The message of `commit` (a full sha), as isomorphic-git gives it (see {@link CommitFields}). */
export async function commitMessage(gitDirectory: string, commit: string, cache?: object): Promise<string> {
  return (await readCommitFields(gitDirectory, commit, cache)).message;
}

/**
 * Walks first-parent history from `tip` in-process (newest first, at most `limit` commits) and
 * returns the first commit whose message ends with Hyperion's trailer block for exactly this change
 * and patch (see {@link provesLanding}). `GitRepository.findLandedChange` uses git's own `--grep`
 * instead, which `pnpm bench` measures against this walk.
 */
export async function findLandedChangeInHistory(
  gitDirectory: string,
  tip: string,
  proof: LandingProof,
  limit: number,
): Promise<string | undefined> {
  // One cache for the whole walk, so pack indexes are read once rather than per commit.
  const cache = {};
  let oid: string | undefined = tip;
  for (let visited = 0; oid !== undefined && visited < limit; visited += 1) {
    const result = await (await isomorphicGit()).readCommit({ fs, gitdir: gitDirectory, oid, cache });
    if (provesLanding(result.commit.message, proof)) return result.oid;
    oid = result.commit.parent[0];
  }
  return undefined;
}

async function treeEntries(
  gitDirectory: string,
  tree: string | undefined,
  cache: object,
): Promise<TreeEntry[]> {
  if (tree === undefined) return [];
  return (await (await isomorphicGit()).readTree({ fs, gitdir: gitDirectory, oid: tree, cache })).tree;
}

async function diffTrees(
  gitDirectory: string,
  oldTree: string | undefined,
  newTree: string | undefined,
  prefix: string,
  cache: object,
  changed: string[],
): Promise<void> {
  const oldEntries = new Map(
    (await treeEntries(gitDirectory, oldTree, cache)).map((entry) => [entry.path, entry]),
  );
  const newEntries = new Map(
    (await treeEntries(gitDirectory, newTree, cache)).map((entry) => [entry.path, entry]),
  );
  const names = new Set([...oldEntries.keys(), ...newEntries.keys()]);
  for (const name of names) {
    const before = oldEntries.get(name);
    const after = newEntries.get(name);
    if (
      before !== undefined &&
      after !== undefined &&
      before.oid === after.oid &&
      before.mode === after.mode
    ) {
      continue;
    }
    const path = `${prefix}${name}`;
    const beforeTree = before?.type === 'tree' ? before.oid : undefined;
    const afterTree = after?.type === 'tree' ? after.oid : undefined;
    if (beforeTree !== undefined || afterTree !== undefined) {
      await diffTrees(gitDirectory, beforeTree, afterTree, `${path}/`, cache, changed);
    }
    // A file replaced by a directory (or the reverse) changes the file path as well.
    if (
      (before !== undefined && beforeTree === undefined) ||
      (after !== undefined && afterTree === undefined)
    ) {
      changed.push(path);
    }
  }
}

/** Paths whose content or mode differ between the trees of two commits (renames give both paths). */
export async function changedPathsBetween(
  gitDirectory: string,
  fromCommit: string,
  toCommit: string,
): Promise<string[]> {
  const cache = {};
  const from = await (await isomorphicGit()).readCommit({ fs, gitdir: gitDirectory, oid: fromCommit, cache });
  const to = await (await isomorphicGit()).readCommit({ fs, gitdir: gitDirectory, oid: toCommit, cache });
  const changed: string[] = [];
  await diffTrees(gitDirectory, from.commit.tree, to.commit.tree, '', cache, changed);
  return changed.sort();
}
