import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HyperionError } from '@hyperion/schema';

/** Options of {@link withRepositoryLock}. */
export interface RepositoryLockOptions {
  /** How long to wait for the lock before failing with `git_failed`. Default 60 s. */
  timeoutMs?: number;
  /** What the lock guards, for the error message (`landing`, `worktree`). Default `repository`. */
  purpose?: string;
}

/** Who holds a lock: what its file holds. */
export interface LockOwner {
  /** The holder's process id. */
  pid: number;
  /** The holder's host name. */
  host: string;
  /** The holder's start time (Linux `/proc/<pid>/stat` field 22), when known: tells a reused pid. */
  started?: string;
  /** Random, unique to one holding of the lock. */
  token?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** A lock whose owner died is broken under a lock of its own; one deeper for a breaker that died. */
const MAXIMUM_BREAK_DEPTH = 4;
const heldInThisContext = new AsyncLocalStorage<ReadonlySet<string>>();

/** True while a process with this pid exists (on this host). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The start time of process `pid` in clock ticks since boot (Linux), or undefined where unknown. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces; field 22 is the start time.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

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
 * Whether the process that wrote `owner` still runs. A lock of another host counts as live (its
 * process cannot be seen from here); a pid that now belongs to a process started at another time
 * (a reused pid) counts as dead.
 */
export function isLockOwnerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (!isProcessAlive(owner.pid)) return false;
  if (owner.started === undefined) return true;
  const started = processStartTime(owner.pid);
  return started === undefined || started === owner.started;
}

function ownerRecord(): string {
  const started = processStartTime(process.pid);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    ...(started === undefined ? {} : { started }),
    token: randomBytes(8).toString('hex'),
  };
  return `${JSON.stringify(owner)}\n`;
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
  return new HyperionError(
    'git_failed',
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the ${purpose} lock ${path}, held by ${who}; if that process is not a Hyperion process of this repository, delete the file`,
    { details: { lock: path, owner: owner ?? holder } },
  );
}

/** Deletes `path` if it still holds `record`: a holder never deletes a lock it no longer holds. */
async function release(path: string, record: string): Promise<void> {
  if ((await readLock(path)) === record) await rm(path, { force: true });
}

/**
 * Takes the lock file `path`, returning the record written into it. The record is written to a
 * private claim file first and linked into place, so the lock never exists without its owner.
 */
async function acquire(
  path: string,
  deadline: number,
  depth: number,
  describe: (holder: string) => HyperionError,
): Promise<string> {
  const record = ownerRecord();
  const claim = `${path}.claim-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(claim, record, { flag: 'wx' });
  try {
    for (;;) {
      try {
        await link(claim, path);
        return record;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readLock(path);
      if (holder === undefined) continue;
      const owner = parseLockOwner(holder);
      if (owner === undefined || !isLockOwnerAlive(owner)) {
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
  const breaker = `${path}.break-${generation}`;
  const record = await acquire(breaker, deadline, depth + 1, describe);
  try {
    if ((await readLock(path)) === holder) await rm(path, { force: true });
  } finally {
    await release(breaker, record);
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
 * holds its owner's pid, host, start time and a random token; a lock whose owner process is gone
 * (killed with SIGKILL, or its pid reused by a process started later) is taken over, so a dead
 * holder never blocks the others. Waiting is bounded: after `timeoutMs` it fails with
 * `HyperionError('git_failed')` naming the lock file and its holder. The lock is not reentrant:
 * taking it again inside `work` fails at once with `HyperionError('internal')`.
 */
export async function withRepositoryLock<T>(
  directory: string,
  name: string,
  work: () => Promise<T>,
  options: RepositoryLockOptions = {},
): Promise<T> {
  const path = join(directory, name);
  const held = heldInThisContext.getStore() ?? new Set<string>();
  if (held.has(path)) {
    throw new HyperionError(
      'internal',
      `the lock ${path} is already held by this caller (it is not reentrant)`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const describe = (holder: string) => timeoutError(path, options.purpose ?? 'repository', timeoutMs, holder);
  const record = await acquire(path, Date.now() + timeoutMs, 0, describe);
  try {
    await sweepLeftovers(path);
    return await heldInThisContext.run(new Set([...held, path]), work);
  } finally {
    await release(path, record);
  }
}
