import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { link, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HyperionError } from '@hyperion/schema';
import { isProcessAlive, isSameProcessAlive, processStartTime } from './process-liveness.js';

/** Options of {@link withRepositoryLock}. */
export interface RepositoryLockOptions {
  /** How long to wait for the lock before failing with `git_failed`. Default 60 s. */
  timeoutMs?: number;
  /** What the lock guards, for the error message (`landing`, `worktree`). Default `repository`. */
  purpose?: string;
}

/** A process named in a lock file. */
export interface LockProcess {
  /** Its process id. */
  pid: number;
  /** Its start time (Linux `/proc/<pid>/stat` field 22), when known: tells a reused pid. */
  started?: string;
}

/** Who holds a lock: what its file holds (one line of JSON). */
export interface LockOwner extends LockProcess {
  /** The holder's host name. */
  host: string;
  /** Random, unique to one holding of the lock. */
  token?: string;
  /**
   * Processes the holder started while holding the lock that may still run (git commands): a
   * killed holder does not take them with it, so its lock is not taken over while one runs.
   */
  children?: LockProcess[];
}

/** A lock this process holds, as the work holding it sees it. */
interface HeldLock {
  path: string;
  owner: LockOwner;
  /** What the lock file holds now. */
  record: string;
  released: boolean;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** A lock whose owner died is broken under a lock of its own; one deeper for a breaker that died. */
const MAXIMUM_BREAK_DEPTH = 4;
const heldInThisContext = new AsyncLocalStorage<ReadonlyMap<string, HeldLock>>();

/** Parses a lock file: a JSON {@link LockOwner}, or a bare pid (older Hyperion); undefined when neither. */
export function parseLockOwner(content: string): LockOwner | undefined {
  const trimmed = content.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), host: hostname() };
  try {
    const owner = JSON.parse(trimmed) as Partial<LockOwner>;
    if (!Number.isInteger(owner.pid) || (owner.pid ?? 0) <= 0 || typeof owner.host !== 'string') {
      return undefined;
    }
    return owner as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that wrote `owner`, or one it started under the lock, still runs. A lock of
 * another host counts as live (its processes cannot be seen from here); a pid now belonging to a
 * process started at another time (a reused pid) counts as gone.
 */
export function isLockOwnerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  const processes = [owner, ...(Array.isArray(owner.children) ? owner.children : [])];
  return processes.some((candidate) => isSameProcessAlive(candidate.pid, candidate.started));
}

function thisProcess(pid: number): LockProcess {
  const started = processStartTime(pid);
  return { pid, ...(started === undefined ? {} : { started }) };
}

function serialize(owner: LockOwner): string {
  return `${JSON.stringify(owner)}\n`;
}

function claimPath(path: string): string {
  return `${path}.claim-${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function readLock(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function timeoutError(path: string, purpose: string, timeoutMs: number, holder: string): HyperionError {
  const owner = parseLockOwner(holder);
  const who = owner === undefined ? 'an unknown owner' : `pid ${owner.pid} on ${owner.host}`;
  const waited = timeoutMs < 10_000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
  return new HyperionError(
    'git_failed',
    `timed out after ${waited} waiting for the ${purpose} lock ${path}, held by ${who}; if that process is not a Hyperion process of this repository, delete the file`,
    { details: { lock: path, owner: owner ?? holder } },
  );
}

/** Replaces the record of a lock this process holds, atomically (a private file renamed over it). */
function rewriteHeldLock(held: HeldLock, owner: LockOwner): void {
  if (held.released) return;
  const record = serialize(owner);
  const claim = claimPath(held.path);
  try {
    writeFileSync(claim, record, { flag: 'wx' });
    renameSync(claim, held.path);
    held.owner = owner;
    held.record = record;
  } catch {
    // The record stays as it was: the lock then lives only as long as its holder.
    rmSync(claim, { force: true });
  }
}

/**
 * Names `pid`, a process just started by work that holds repository locks, in each of those locks,
 * so that none is taken over while that process runs even if its holder is killed. Returns the
 * function to call once the process exited. Does nothing outside such work. `runGit` calls it
 * for a git it starts in this process (its spawner off or unavailable), and for a git its spawner
 * left running when it ended unexpectedly.
 */
export function recordLockHolderChild(pid: number): () => void {
  const held = [...(heldInThisContext.getStore()?.values() ?? [])].filter((lock) => !lock.released);
  if (held.length === 0) return () => undefined;
  const child = thisProcess(pid);
  for (const lock of held) {
    rewriteHeldLock(lock, { ...lock.owner, children: [...(lock.owner.children ?? []), child] });
  }
  return () => {
    for (const lock of held) {
      const { children = [], ...owner } = lock.owner;
      const others = children.filter((other) => other.pid !== pid);
      rewriteHeldLock(lock, others.length === 0 ? owner : { ...owner, children: others });
    }
  };
}

/** The git spawner of this process while one runs (see {@link useLockHelperProcess}). */
let lockHelper: LockProcess | undefined;

/**
 * Sets (or clears, with undefined) the helper process of this process that starts its git
 * commands and lives as long as any of them runs (the git spawner). Every lock taken from now on
 * names it from the start, so that running git under a lock costs no rewrite of the lock file.
 */
export function useLockHelperProcess(pid: number | undefined): void {
  lockHelper = pid === undefined ? undefined : thisProcess(pid);
}

/**
 * Names `pid`, the helper process that starts this process's git commands and outlives each of
 * them (the git spawner), in each lock held by the calling work that does not name it yet, so that
 * none is taken over while a command it started runs even if the holder is killed. Unlike
 * {@link recordLockHolderChild} it stays named until the lock is released: the lock file is
 * rewritten at most once per holding, not twice per command. Does nothing outside such work.
 */
export function recordLockHolderHelper(pid: number): void {
  const store = heldInThisContext.getStore();
  if (store === undefined) return;
  for (const lock of store.values()) {
    if (lock.released || (lock.owner.children ?? []).some((child) => child.pid === pid)) continue;
    const helper = lockHelper?.pid === pid ? lockHelper : thisProcess(pid);
    rewriteHeldLock(lock, { ...lock.owner, children: [...(lock.owner.children ?? []), helper] });
  }
}

/** Deletes the lock file if it still holds our record: a holder never deletes a lock it no longer holds. */
async function release(held: HeldLock): Promise<void> {
  held.released = true;
  if ((await readLock(held.path)) === held.record) await rm(held.path, { force: true });
}

/**
 * Takes the lock file `path`. The record is written to a private claim file first and linked into
 * place, so the lock never exists without its owner.
 */
async function acquire(
  path: string,
  deadline: number,
  depth: number,
  describe: (holder: string) => HyperionError,
): Promise<HeldLock> {
  const owner: LockOwner = {
    ...thisProcess(process.pid),
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    ...(lockHelper === undefined ? {} : { children: [lockHelper] }),
  };
  const record = serialize(owner);
  const claim = claimPath(path);
  try {
    await writeFile(claim, record, { flag: 'wx' });
  } catch (error) {
    throw new HyperionError(
      'git_failed',
      `cannot create the lock ${path}: ${(error as Error).message} (Hyperion needs to write to the repository's git directory)`,
      { cause: error, details: { lock: path } },
    );
  }
  try {
    for (;;) {
      try {
        await link(claim, path);
        return { path, owner, record, released: false };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readLock(path);
      if (holder === undefined) continue;
      const current = parseLockOwner(holder);
      if (current === undefined || !isLockOwnerAlive(current)) {
        await breakStaleLock(path, holder, deadline, depth, describe);
        continue;
      }
      if (Date.now() > deadline) throw describe(holder);
      await sleep(5 + Math.random() * 20);
    }
  } finally {
    await rm(claim, { force: true });
  }
}

/**
 * Deletes the lock `path` left by a dead owner (it held `holder`). Two waiters may see the same
 * dead owner: the deletion runs under a lock named after that holding, and only while the file
 * still holds it, so a waiter that comes late cannot delete the lock the first one took since.
 * A breaker that dies leaves its own lock, which the next one breaks the same way, one level down.
 */
async function breakStaleLock(
  path: string,
  holder: string,
  deadline: number,
  depth: number,
  describe: (holder: string) => HyperionError,
): Promise<void> {
  if (depth >= MAXIMUM_BREAK_DEPTH) throw describe(holder);
  const generation = createHash('sha256').update(holder).digest('hex').slice(0, 16);
  const breaker = await acquire(`${path}.break-${generation}`, deadline, depth + 1, describe);
  try {
    if ((await readLock(path)) === holder) await rm(path, { force: true });
  } finally {
    await release(breaker);
  }
}

/**
 * Deletes what dead processes left beside the lock `path`: their claim files, and every breaker's
 * lock (while `path` is held by us, no breaker has anything left to do: each acts only while the
 * lock still holds the dead owner's record it was called for).
 */
async function sweepLeftovers(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const claim = /\.claim-(\d+)-[0-9a-f]+$/.exec(name);
    const isLeftover =
      claim === null ? name.startsWith(`${prefix}break-`) : !isProcessAlive(Number(claim[1]));
    if (isLeftover) await rm(join(dirname(path), name), { force: true });
  }
}

/**
 * Runs `work` holding the lock file `directory/name`, which serializes `work` across processes
 * (and across callers in one process) on one host. The file is created atomically (by link) and
 * holds its owner's pid, host, start time and a random token, and the git commands `work` is
 * running; a lock whose owner and commands are gone (killed with SIGKILL, or a pid reused by a
 * process started later) is taken over, so a dead holder never blocks the others. Waiting is
 * bounded: after `timeoutMs` it fails with `HyperionError('git_failed')` naming the lock file and
 * its holder. The lock is not reentrant: taking it again inside `work` fails at once with
 * `HyperionError('internal')`.
 */
export async function withRepositoryLock<T>(
  directory: string,
  name: string,
  work: () => Promise<T>,
  options: RepositoryLockOptions = {},
): Promise<T> {
  const path = join(directory, name);
  const locks = heldInThisContext.getStore() ?? new Map<string, HeldLock>();
  if (locks.get(path)?.released === false) {
    throw new HyperionError(
      'internal',
      `the lock ${path} is already held by this caller (it is not reentrant)`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const describe = (holder: string) => timeoutError(path, options.purpose ?? 'repository', timeoutMs, holder);
  const held = await acquire(path, Date.now() + timeoutMs, 0, describe);
  try {
    await sweepLeftovers(path);
    return await heldInThisContext.run(new Map([...locks, [path, held]]), work);
  } finally {
    await release(held);
  }
}
