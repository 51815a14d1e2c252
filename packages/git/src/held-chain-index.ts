import { type Stats } from 'node:fs';
import { open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/*
 * What each throw-away chain index of this process was left holding: after a chain is built in
 * one go on a commit (see `tryChainInOneGo`'s `on`), its index holds exactly the tree of the
 * chain's last commit. The next chain built on that commit (the same worker's next build once it
 * landed, or another worker's build stacked on it) starts from that index instead of running `git
 * read-tree` again. A record is trusted only while the file is the very file it describes (same
 * device, inode, size and modification times): git replaces an index by renaming a new file over
 * it, and so does this module, so any other write makes the record stale and it is ignored.
 */

/** An index file as `stat` gave it: the same file while these have not changed. */
export interface IndexSnapshot {
  /** The file's path. */
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** What an index file holds: the tree of `commit`, while it is the file of the snapshot. */
interface HeldTree extends IndexSnapshot {
  /** The commit whose tree the index holds. */
  commit: string;
}

/** At most this many records are kept (one per worktree that built a chain); then they start again. */
const MOST_RECORDS = 64;

/** The records by index path. */
const held = new Map<string, HeldTree>();

function sameFile(snapshot: IndexSnapshot, stats: Stats): boolean {
  return (
    stats.isFile() &&
    stats.dev === snapshot.dev &&
    stats.ino === snapshot.ino &&
    stats.size === snapshot.size &&
    stats.mtimeMs === snapshot.mtimeMs &&
    stats.ctimeMs === snapshot.ctimeMs
  );
}

/** The index file at `path` as it is now; undefined when it cannot be read. */
export async function snapshotOfIndex(path: string): Promise<IndexSnapshot | undefined> {
  const stats = await stat(path).catch(() => undefined);
  if (stats === undefined) return undefined;
  const { dev, ino, size, mtimeMs, ctimeMs } = stats;
  return { path, dev, ino, size, mtimeMs, ctimeMs };
}

/** True when the file at the snapshot's path still is the file of the snapshot. */
export async function sameIndexFile(snapshot: IndexSnapshot): Promise<boolean> {
  const stats = await stat(snapshot.path).catch(() => undefined);
  return stats !== undefined && sameFile(snapshot, stats);
}

/** Records that the index file at `indexPath`, as it is now, holds the tree of `commit`. */
export async function recordHeldTree(indexPath: string, commit: string): Promise<void> {
  held.delete(indexPath);
  const snapshot = await snapshotOfIndex(indexPath);
  if (snapshot === undefined) return;
  if (held.size >= MOST_RECORDS) held.clear();
  held.set(indexPath, { ...snapshot, commit });
}

/** Forgets what the index at `indexPath` held (before anything writes it). */
export function forgetHeldTree(indexPath: string): void {
  held.delete(indexPath);
}

/**
 * Makes the index file at `indexPath` hold the tree of `commit` without git, when a recorded
 * index does, and returns what it then holds: when `indexPath` itself still is that file, its
 * content; when another one is, that file's content, copied over `indexPath` (written beside it
 * and renamed into place). Either is read through a descriptor whose file is checked against the
 * record, so a concurrent replacement is never taken. Undefined when no record applies: the caller
 * runs `git read-tree`.
 */
export async function takeHeldTree(indexPath: string, commit: string): Promise<Buffer | undefined> {
  const own = held.get(indexPath);
  if (own?.commit === commit) {
    const content = await readIfSame(indexPath, own);
    if (content !== undefined) return content;
  }
  forgetHeldTree(indexPath);
  for (const [path, record] of held) {
    if (record.commit !== commit || path === indexPath) continue;
    const content = await readIfSame(path, record);
    if (content === undefined) continue;
    const temporary = `${indexPath}.${randomBytes(6).toString('hex')}.copy`;
    try {
      await writeFile(temporary, content);
      await rename(temporary, indexPath);
    } catch {
      await rm(temporary, { force: true });
      return undefined;
    }
    await recordHeldTree(indexPath, commit);
    return content;
  }
  return undefined;
}

/** The content of the file at `path` when it still is the file `record` describes. */
async function readIfSame(path: string, record: HeldTree): Promise<Buffer | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    if (!sameFile(record, await handle.stat())) return undefined;
    const content = await handle.readFile();
    return content.length === record.size ? content : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
