import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { gitSpawnerPid } from './git-spawner.js';
import { isProcessAlive, isSameProcessAlive } from './process-liveness.js';
import { withRepositoryLock, type LockOwner, type LockProcess } from './repository-lock.js';
import { runGit } from './run-git.js';
import type { LockHolderOptions } from './testing/lock-holder.js';

const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));
const HOLDER_SCRIPT = fileURLToPath(new URL('./testing/lock-holder.ts', import.meta.url));
const LOCK = 'hyperion-test.lock';

let directory: string;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

/** A pid that no process has any more. */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      .stdout,
  );
}

/** Starts a lock-holder process (in a process group of its own with `detached`); resolves once it printed `line`. */
async function startHolder(
  options: LockHolderOptions,
  line: string,
  // The spawner is used from the first command (a process only starts it when asked to).
  environment: NodeJS.ProcessEnv = { ...process.env, HYPERION_GIT_SPAWNER: '1' },
  detached = false,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@hyperion/source', HOLDER_SCRIPT, JSON.stringify(options)],
    { cwd: PACKAGE_DIRECTORY, stdio: ['ignore', 'pipe', 'inherit'], env: environment, detached },
  );
  children.push(child);
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes(`${line}\n`)) resolve();
    });
    child.on('close', (code) =>
      reject(new Error(`lock holder exited (${code}) before '${line}': ${stdout}`)),
    );
  });
  return child;
}

/** The parent pid of process `pid` (Linux). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

/**
 * Runs `holders` concurrent holders of the lock, started a few milliseconds apart (so that one
 * waiter's takeover falls between another's read of the lock and its own takeover), and returns
 * how many ever held it at once.
 */
async function mostAtOnce(holders: number): Promise<number> {
  let active = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: holders }, async (_, index) => {
      await sleep(index % 4);
      await withRepositoryLock(directory, LOCK, async () => {
        active += 1;
        most = Math.max(most, active);
        await sleep(5);
        active -= 1;
      });
    }),
  );
  return most;
}

describe('withRepositoryLock', () => {
  it('does not block others after its holder is killed with SIGKILL, and leaves no file behind', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const holder = await startHolder({ directory, name: LOCK, mode: 'hold' }, 'held');
    expect(JSON.parse(readFileSync(join(directory, LOCK), 'utf8'))).toMatchObject({ pid: holder.pid });
    holder.kill('SIGKILL');
    await exited(holder);
    expect(await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 30_000 })).toBe('ran');
    expect(readdirSync(directory)).toEqual([]);
  });

  it.each([
    { way: 'through the spawner', setting: '1', execPath: undefined },
    { way: 'in the holder (HYPERION_GIT_SPAWNER=0)', setting: '0', execPath: undefined },
    { way: 'in the holder (no spawner could start)', setting: '1', execPath: '/bin/true' },
    // The spawner, started outside the lock, fails after the command under the lock was queued.
    { way: 'after a late spawner failure', setting: '1', execPath: 'slow-failure' },
  ])(
    'is not taken over while a git command its killed holder started $way still runs',
    async ({ setting, execPath }) => {
      directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
      const releaseFile = join(directory, 'release');
      const environment = { ...process.env, HYPERION_GIT_SPAWNER: setting };
      const slowFailure = join(directory, 'slow-failure');
      writeFileSync(slowFailure, '#!/bin/sh\nsleep 1\n', { mode: 0o755 });
      const holder = await startHolder(
        {
          directory,
          name: LOCK,
          mode: 'hold-command',
          releaseFile,
          ...(execPath === undefined
            ? {}
            : { execPath: execPath === 'slow-failure' ? slowFailure : execPath }),
          gitFirst: execPath === 'slow-failure',
        },
        'held',
        environment,
      );
      // Named in the lock: the spawner the holder started, or (without it) the git command itself.
      const throughSpawner = setting === '1' && execPath === undefined;
      const expectedProgram = (program: string) =>
        throughSpawner ? program === realpathSync(process.execPath) : basename(program) === 'git';
      let child: LockProcess | undefined;
      const deadline = Date.now() + 10_000;
      while (child === undefined && Date.now() < deadline) {
        const record = JSON.parse(readFileSync(join(directory, LOCK), 'utf8')) as LockOwner;
        child = record.children?.find((candidate) => {
          if (!existsSync('/proc/self/stat')) return isProcessAlive(candidate.pid);
          try {
            return expectedProgram(readlinkSync(`/proc/${candidate.pid}/exe`));
          } catch {
            return false;
          }
        });
        if (child === undefined) await sleep(20);
      }
      const named = child?.pid ?? 0;
      expect(isProcessAlive(named)).toBe(true);
      if (existsSync('/proc/self/stat')) expect(parentOf(named)).toBe(holder.pid);
      holder.kill('SIGKILL');
      await exited(holder);
      const early = await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 300 }).catch(
        (caught: unknown) => caught,
      );
      expect(HyperionError.isInstance(early) && early.code).toBe('git_failed');
      expect(isProcessAlive(named)).toBe(true);
      writeFileSync(releaseFile, '');
      expect(await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 30_000 })).toBe('ran');
      // The spawner does not outlive the commands of its dead parent.
      const ended = Date.now() + 10_000;
      while (isSameProcessAlive(named, child?.started) && Date.now() < ended) await sleep(20);
      expect(isSameProcessAlive(named, child?.started)).toBe(false);
    },
  );

  it.skipIf(!existsSync('/proc/self/stat'))(
    'names the git a killed spawner left running, and its holder stays until it ends',
    async () => {
      directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
      const releaseFile = join(directory, 'release');
      const pidFile = join(directory, 'git-pid');
      // The holder waits for its command alone: nothing else keeps it (and so the lock) alive.
      const holder = await startHolder(
        { directory, name: LOCK, mode: 'hold-command', releaseFile, pidFile, settle: true },
        'held',
      );
      let output = '';
      holder.stdout?.on('data', (chunk: string) => (output += chunk));
      const deadline = Date.now() + 10_000;
      while (
        !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n')) &&
        Date.now() < deadline
      ) {
        await sleep(20);
      }
      const git = Number(readFileSync(pidFile, 'utf8'));
      const spawner = parentOf(git);
      expect(parentOf(spawner)).toBe(holder.pid);
      process.kill(spawner, 'SIGKILL');
      const named = Date.now() + 10_000;
      const children = () =>
        (JSON.parse(readFileSync(join(directory, LOCK), 'utf8')) as LockOwner).children?.map(
          (child) => child.pid,
        ) ?? [];
      while (!children().includes(git) && Date.now() < named) await sleep(20);
      expect(children()).toContain(git);
      const early = await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 300 }).catch(
        (caught: unknown) => caught,
      );
      expect(HyperionError.isInstance(early) && early.code).toBe('git_failed');
      expect(holder.exitCode).toBeNull();
      expect(isSameProcessAlive(git, undefined)).toBe(true);
      writeFileSync(releaseFile, '');
      expect(await exited(holder)).toBe(0);
      expect(output).toContain(`the git spawner process (pid ${spawner}) ended unexpectedly (SIGKILL)`);
      expect(isSameProcessAlive(git, undefined)).toBe(false);
      expect(await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 5_000 })).toBe('ran');
    },
  );

  it.skipIf(!existsSync('/proc/self/stat'))(
    'names a git with a timeout (in a process group of its own) while it runs, so killing the holder’s group does not free the lock',
    async () => {
      directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
      const releaseFile = join(directory, 'release');
      const pidFile = join(directory, 'git-pid');
      const holder = await startHolder(
        { directory, name: LOCK, mode: 'hold-command', releaseFile, pidFile, timeoutMs: 60_000 },
        'held',
        { ...process.env, HYPERION_GIT_SPAWNER: '1' },
        true,
      );
      const deadline = Date.now() + 10_000;
      while (
        !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n')) &&
        Date.now() < deadline
      ) {
        await sleep(20);
      }
      const git = Number(readFileSync(pidFile, 'utf8'));
      const children = () =>
        (JSON.parse(readFileSync(join(directory, LOCK), 'utf8')) as LockOwner).children?.map(
          (child) => child.pid,
        ) ?? [];
      while (!children().includes(git) && Date.now() < deadline) await sleep(20);
      expect(children()).toEqual([parentOf(git), git]);
      // The holder and its spawner go; git, in its own group, runs on.
      process.kill(-holder.pid!, 'SIGKILL');
      await exited(holder);
      const early = await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 300 }).catch(
        (caught: unknown) => caught,
      );
      expect(HyperionError.isInstance(early) && early.code).toBe('git_failed');
      expect(isSameProcessAlive(git, undefined)).toBe(true);
      writeFileSync(releaseFile, '');
      expect(await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 30_000 })).toBe('ran');
      expect(isSameProcessAlive(git, undefined)).toBe(false);
    },
  );

  it('removes a git with a timeout from the lock once it ended', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    await withRepositoryLock(directory, LOCK, async () => {
      await runGit(['--version'], { cwd: directory, timeoutMs: 10_000 });
      const named = JSON.parse(readFileSync(join(directory, LOCK), 'utf8')) as LockOwner;
      const spawner = gitSpawnerPid();
      expect(named.children?.map((child) => child.pid)).toEqual(
        spawner === undefined ? undefined : [spawner],
      );
    });
  });

  it('names the git spawner in the lock once, not each git command twice', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const previous = process.env['HYPERION_GIT_SPAWNER'];
    process.env['HYPERION_GIT_SPAWNER'] = '1';
    try {
      await withRepositoryLock(directory, LOCK, async () => {
        await runGit(['--version'], { cwd: directory });
        const spawner = gitSpawnerPid();
        const named = JSON.parse(readFileSync(join(directory, LOCK), 'utf8')) as LockOwner;
        expect(named.children?.map((child) => child.pid)).toEqual([spawner]);
        // Each rewrite renames a new file over the lock: the same inode means no rewrite.
        const inode = statSync(join(directory, LOCK)).ino;
        await Promise.all(Array.from({ length: 5 }, () => runGit(['--version'], { cwd: directory })));
        expect(statSync(join(directory, LOCK)).ino).toBe(inode);
      });
      // A lock taken while the spawner runs names it from the start.
      await withRepositoryLock(directory, LOCK, async () => {
        const owner = JSON.parse(readFileSync(join(directory, LOCK), 'utf8')) as LockOwner;
        expect(owner.children?.map((child) => child.pid)).toEqual([gitSpawnerPid()]);
      });
    } finally {
      if (previous === undefined) delete process.env['HYPERION_GIT_SPAWNER'];
      else process.env['HYPERION_GIT_SPAWNER'] = previous;
    }
  });

  it('lets exactly one of many waiters take over a dead owner’s lock', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const dead = deadPid();
    for (let round = 0; round < 12; round += 1) {
      writeFileSync(
        join(directory, LOCK),
        JSON.stringify({ pid: dead, host: hostname(), token: `r${round}` }),
      );
      expect(await mostAtOnce(8)).toBe(1);
    }
    expect(readdirSync(directory)).toEqual([]);
  });

  it('serializes holders in several processes: no increment of a shared counter is lost', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const counterFile = join(directory, 'counter');
    const startFile = join(directory, 'start');
    writeFileSync(counterFile, '0');
    // A dead owner's lock is there at the start, so the takeover races too.
    writeFileSync(
      join(directory, LOCK),
      JSON.stringify({ pid: deadPid(), host: hostname(), token: 'stale' }),
    );
    const options = { directory, name: LOCK, mode: 'count', cycles: 40, counterFile, startFile } as const;
    const counters = await Promise.all(Array.from({ length: 4 }, () => startHolder(options, 'ready')));
    writeFileSync(startFile, '');
    expect(await Promise.all(counters.map(exited))).toEqual([0, 0, 0, 0]);
    expect(readFileSync(counterFile, 'utf8')).toBe(String(4 * 40));
    expect(existsSync(join(directory, LOCK))).toBe(false);
  });

  it.skipIf(!existsSync('/proc/self/stat'))(
    'takes over a lock whose pid now belongs to a later process',
    async () => {
      directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
      const reused = { pid: process.pid, host: hostname(), started: '1', token: 'old' };
      writeFileSync(join(directory, LOCK), JSON.stringify(reused));
      expect(await withRepositoryLock(directory, LOCK, async () => 'ran', { timeoutMs: 30_000 })).toBe('ran');
    },
  );

  it('takes over a lock file without an owner, a bare pid of a dead process (older Hyperion), and odd child pids', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    writeFileSync(join(directory, LOCK), '');
    expect(await withRepositoryLock(directory, LOCK, async () => 'empty', { timeoutMs: 30_000 })).toBe(
      'empty',
    );
    writeFileSync(join(directory, LOCK), `${deadPid()}\n`);
    expect(await withRepositoryLock(directory, LOCK, async () => 'pid', { timeoutMs: 30_000 })).toBe('pid');
    // Numbers that name process groups or no process at all do not keep a dead holder's lock.
    const children = [{ pid: 0 }, { pid: -1 }, { pid: 'x' }];
    writeFileSync(join(directory, LOCK), JSON.stringify({ pid: deadPid(), host: hostname(), children }));
    expect(await withRepositoryLock(directory, LOCK, async () => 'odd', { timeoutMs: 30_000 })).toBe('odd');
  });

  it('deletes the claim and breaker files dead processes left beside the lock', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const dead = deadPid();
    writeFileSync(join(directory, `${LOCK}.claim-${dead}-0a1b2c3d`), '{}');
    writeFileSync(join(directory, `${LOCK}.break-0123456789abcdef`), '{}');
    writeFileSync(join(directory, `${LOCK}.break-0123456789abcdef.claim-${dead}-0a1b2c3d`), '{}');
    writeFileSync(join(directory, 'unrelated'), 'kept');
    await withRepositoryLock(directory, LOCK, async () => undefined);
    expect(readdirSync(directory)).toEqual(['unrelated']);
  });

  it('gives up after its timeout with a git_failed error naming the lock and its live holder', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const holder = await startHolder({ directory, name: LOCK, mode: 'hold' }, 'held');
    const waiting = withRepositoryLock(directory, LOCK, async () => 'ran', {
      timeoutMs: 300,
      purpose: 'test',
    });
    const error = await waiting.catch((caught: unknown) => caught);
    expect(HyperionError.isInstance(error) && error.code).toBe('git_failed');
    expect((error as Error).message).toContain(
      `the test lock ${join(directory, LOCK)}, held by pid ${holder.pid}`,
    );
    expect(readFileSync(join(directory, LOCK), 'utf8')).toContain(`"pid":${holder.pid}`);
  });

  it('refuses at once to be taken again by the caller that holds it', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const nested = withRepositoryLock(directory, LOCK, () =>
      withRepositoryLock(directory, LOCK, async () => 'inner'),
    );
    const error = await nested.catch((caught: unknown) => caught);
    expect(HyperionError.isInstance(error) && error.code).toBe('internal');
    expect(readdirSync(directory)).toEqual([]);
  });
});
