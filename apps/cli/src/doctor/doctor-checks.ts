import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import {
  isLockOwnerAlive,
  isProcessAlive,
  LANDING_LOCK_FILE,
  parseLockOwner,
  withRepositoryLock,
  WORKTREE_LOCK_FILE,
  type GitRepository,
} from '@hyperion/git';
import { HyperionError } from '@hyperion/schema';
import type { HyperionPaths } from '@hyperion/queue';
import { checkpointSqliteStore, integrityProblems, type HyperionStore } from '@hyperion/store';
import type { StoreSelection } from '../store-selection.js';

/** How one check came out. `fixed`: a problem `--fix` repaired. */
export type FindingStatus = 'ok' | 'warning' | 'problem' | 'fixed';

/** One line of the doctor's report. */
export interface DoctorFinding {
  /** Which check: `store`, `integrity`, `wal`, `leases`, `worktrees`, `locks`. */
  check: string;
  status: FindingStatus;
  message: string;
}

/** A write-ahead log larger than this is worth a look: checkpoints are not keeping up. */
export const LARGE_WAL_BYTES = 64 * 1024 * 1024;

/** Worker ids as `MergeQueue` makes them: `<host>-<pid>-<sequence>-p<token>`. */
const WORKER_ID = /^(.+)-(\d+)-(\d+)-p[0-9a-f]{6}$/;

/** SQLite only: `PRAGMA integrity_check` of the store file. */
export function checkIntegrity(file: string): DoctorFinding {
  const problems = integrityProblems(file);
  if (problems.length === 0)
    return { check: 'integrity', status: 'ok', message: `${file} passes integrity_check` };
  return {
    check: 'integrity',
    status: 'problem',
    message: `${file} fails integrity_check (${problems.length} finding(s), first: ${problems[0]}): restore it from a backup ('hyperion backup') or a shipped log ('hyperion log restore')`,
  };
}

/** SQLite only: the write-ahead log's size and a checkpoint (`TRUNCATE` with `fix`). */
export function checkWal(file: string, fix: boolean): DoctorFinding {
  const state = checkpointSqliteStore(file, fix ? 'TRUNCATE' : 'PASSIVE');
  const size = `${(state.walBytes / 1024 / 1024).toFixed(1)} MiB`;
  if (state.walBytes <= LARGE_WAL_BYTES && !state.busy) {
    return { check: 'wal', status: 'ok', message: `write-ahead log ${size}, checkpoints keep up` };
  }
  if (fix && !state.busy && state.walBytesAfter === 0) {
    return {
      check: 'wal',
      status: 'fixed',
      message: `write-ahead log was ${size}; checkpointed and truncated`,
    };
  }
  return {
    check: 'wal',
    status: 'warning',
    message: `write-ahead log ${size}${state.busy ? ', its checkpoint blocked by a reader' : ''} (${state.checkpointedFrames} of ${state.logFrames} frames copied): a long-running reader holds it; ${fix ? 'stop it and run doctor --fix again' : "run 'hyperion doctor --fix' when the queue is quiet"}`,
  };
}

/** Running entries whose lease has run out but that no worker has returned yet (a dead worker's). */
export async function checkLeases(store: HyperionStore, fix: boolean): Promise<DoctorFinding> {
  const now = store.now();
  const stale = (await store.listEntries({ states: ['running'] })).filter(
    (entry) => entry.lease_expires_at !== null && entry.lease_expires_at < now,
  );
  if (stale.length === 0)
    return { check: 'leases', status: 'ok', message: 'no expired lease is waiting to be returned' };
  const ids = stale.map((entry) => entry.id).join(', ');
  if (fix) {
    const returned = await store.expireLeases(now);
    return {
      check: 'leases',
      status: 'fixed',
      message: `returned ${returned.length} expired lease(s) to the queue (${ids}); their attempts were given back`,
    };
  }
  return {
    check: 'leases',
    status: 'warning',
    message: `${stale.length} entr${stale.length === 1 ? 'y has' : 'ies have'} an expired lease (${ids}): the next worker returns it, or 'hyperion doctor --fix' now`,
  };
}

/** Whether the worker that named a worktree is gone: only ids of this host's dead processes. */
function isDeadWorker(name: string): boolean {
  const match = WORKER_ID.exec(name);
  if (match === null || match[1] !== hostname()) return false;
  return !isProcessAlive(Number(match[2]));
}

/**
 * Worker worktrees no live worker uses: registered worktrees under `.hyperion/worktrees/` of a dead
 * process of this host, registrations whose directory is gone, and directories git does not know.
 * `fix` removes them (through the worktree lock).
 */
export async function checkWorktrees(
  repository: GitRepository,
  paths: HyperionPaths,
  fix: boolean,
): Promise<DoctorFinding> {
  const directory = resolve(paths.worktreesDirectory);
  const registered = (await repository.listWorktrees()).filter((entry) =>
    resolve(entry.path).startsWith(`${directory}/`),
  );
  const registeredPaths = new Set(registered.map((entry) => resolve(entry.path)));
  const orphans = registered
    .filter((entry) => !existsSync(entry.path) || isDeadWorker(entry.path.slice(directory.length + 1)))
    .map((entry) => resolve(entry.path));
  const unknown = (existsSync(directory) ? readdirSync(directory) : [])
    .map((name) => join(directory, name))
    .filter((path) => !registeredPaths.has(path) && isDeadWorker(path.slice(directory.length + 1)));
  const all = [...orphans, ...unknown];
  if (all.length === 0) {
    return {
      check: 'worktrees',
      status: 'ok',
      message: `${registered.length} worker worktree(s), none orphaned`,
    };
  }
  if (fix) {
    for (const path of orphans) await repository.removeWorktree(path);
    for (const path of unknown) rmSync(path, { recursive: true, force: true });
    return {
      check: 'worktrees',
      status: 'fixed',
      message: `removed ${all.length} orphaned worktree(s): ${all.join(', ')}`,
    };
  }
  return {
    check: 'worktrees',
    status: 'warning',
    message: `${all.length} orphaned worktree(s) of dead workers: ${all.join(', ')} ('hyperion doctor --fix' removes them)`,
  };
}

/**
 * The landing and worktree locks: held by a live process, free, or left behind by a dead one. A
 * dead one's lock is removed (with `fix`) by taking the lock the way every waiter does and giving
 * it back: the lock's own takeover runs only while the file still holds the dead owner's record,
 * so a live process that took the lock meanwhile keeps it.
 */
export async function checkLocks(repository: GitRepository, fix: boolean): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  for (const name of [LANDING_LOCK_FILE, WORKTREE_LOCK_FILE])
    findings.push(await checkLock(repository, name, fix));
  return findings;
}

/** One lock file: free, held by a live process, or a dead one's (removed with `fix`). */
async function checkLock(repository: GitRepository, name: string, fix: boolean): Promise<DoctorFinding> {
  const file = join(repository.gitDirectory, name);
  if (!existsSync(file)) return { check: 'locks', status: 'ok', message: `${name} is free` };
  const owner = parseLockOwner(readFileSync(file, 'utf8'));
  if (owner !== undefined && isLockOwnerAlive(owner)) {
    return {
      check: 'locks',
      status: 'ok',
      message: `${name} is held by process ${owner.pid} on ${owner.host}`,
    };
  }
  const who = owner === undefined ? 'an unreadable owner' : `process ${owner.pid}, which is gone`;
  if (fix) {
    await withRepositoryLock(repository.gitDirectory, name, async () => undefined, {
      timeoutMs: 10_000,
      purpose: 'doctor',
    });
    return { check: 'locks', status: 'fixed', message: `removed ${name}, left by ${who}` };
  }
  return {
    check: 'locks',
    status: 'warning',
    message: `${name} was left by ${who}: the next waiter takes it over; 'hyperion doctor --fix' removes it now`,
  };
}

/** The store: it opens (a missing, empty or corrupt one is the problem, with its way out). */
export function storeFinding(selection: StoreSelection, error: unknown): DoctorFinding {
  if (error === undefined) {
    return { check: 'store', status: 'ok', message: `${selection.location} opens and is Hyperion's store` };
  }
  const message = HyperionError.isInstance(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  return { check: 'store', status: 'problem', message };
}
