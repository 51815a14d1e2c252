import { spawn, type ChildProcess } from 'node:child_process';
import { AsyncResource } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { GIT_SPAWNER_SOURCE } from './git-spawner-source.js';
import { isSameProcessAlive } from './process-liveness.js';
import { recordLockHolderChild, recordLockHolderHelper, useLockHelperProcess } from './repository-lock.js';

/*
 * Starting a process from Node forks the whole process: on Linux that blocks the event loop for a
 * time that grows with its resident memory (1.5 ms at 47 MB, 4 ms and more at 350 MB), and the
 * queue's workers then cannot overlap their git work. So git is started by a small long-lived
 * Node process, the spawner (its program and lifetime: `git-spawner-source.ts`), started on first
 * use once the process asked for it (`useGitSpawner`: the queue's workers do); the parent only
 * sends it a message per command. Until then, when it cannot start, or with
 * `HYPERION_GIT_SPAWNER=0`, git is started in this process as before.
 */

/** What started git reports to the command that asked for it. */
export interface GitProcessEvents {
  /** git's pid, once it runs. */
  spawned(pid: number | undefined): void;
  /** Starting git threw (invalid arguments). */
  threw(error: Error): void;
  /** git could not start (the `error` event: a missing `cwd`, no git on the PATH). */
  failedToStart(error: Error): void;
  /** The timeout fired: git's process group was killed and its pipes closed. */
  timedOut(): void;
  /** git ended (`code` null after a signal) with everything it wrote. */
  closed(code: number | null, stdout: Buffer, stderr: Buffer): void;
  /** The spawner ended while git ran, which has ended since (its outcome is unknown). */
  lost(error: Error): void;
}

/** One git command for the spawner. */
export interface GitSpawnRequest {
  /** git's arguments. */
  args: string[];
  /** Directory git runs in. */
  cwd: string;
  /** git's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Text for git's standard input. */
  input: string;
  /** Whether git gets a process group of its own. */
  detached: boolean;
  /**
   * Kill git's process group after this many milliseconds. The spawner's timer counts from git's
   * start; should the spawner die first, this process enforces the same deadline, counted from the
   * arrival of the spawner's `spawned` message.
   */
  timeoutMs?: number;
}

interface PendingCommand {
  request: GitSpawnRequest;
  events: GitProcessEvents;
  pid?: number;
  /** When the `spawned` message arrived (`performance.now()`): the start of this side's deadline. */
  spawnedAt?: number;
  /** Names a pid in the locks the caller held when it asked (bound to its async context). */
  recordChild: (pid: number) => () => void;
  /** Removes git from those locks again, once named there. */
  releaseChild?: () => void;
  /** Runs the command in this process instead (the spawner died before it ever worked). */
  runHere: () => void;
}

interface SpawnerMessage {
  type: 'ready' | 'spawned' | 'thrown' | 'error' | 'timeout' | 'close';
  id?: number;
  pid?: number;
  code?: number | null;
  error?: { name?: string; message?: string; [key: string]: unknown };
  stdout?: Uint8Array;
  stderr?: Uint8Array;
}

interface Spawner {
  child: ChildProcess;
  pid: number;
  ready: boolean;
  pending: Map<number, PendingCommand>;
}

/** After this many spawners ended unexpectedly, git is started in this process. */
const MAXIMUM_UNEXPECTED_ENDS = 3;
/** A spawner not ready by then is given up (and git started in this process). */
const READY_TIMEOUT_MS = 15_000;
const ORPHAN_POLL_MS = 20;

let current: Spawner | undefined;
let unavailable = false;
let unexpectedEnds = 0;
let nextId = 1;

/** Set by {@link useGitSpawner}: this process runs git often enough for the spawner to pay. */
let wanted = false;

/**
 * Lets `runGit` start git through the spawner from now on, in this process. Long-running work
 * that runs git many times calls it (the queue's workers, `MergeQueue.runWorkers`); a short
 * command that runs git a few times is faster without a second Node process to start (about a
 * `node -e 0` of its own), so by default git is started in process until this is called.
 */
export function useGitSpawner(): void {
  wanted = true;
}

/**
 * Whether git is started by the spawner: once {@link useGitSpawner} was called, or always with
 * `HYPERION_GIT_SPAWNER=1`; never with `HYPERION_GIT_SPAWNER=0`. Not on Windows, where starting
 * a process does not fork the caller.
 */
export function gitSpawnerEnabled(): boolean {
  const setting = process.env['HYPERION_GIT_SPAWNER'];
  if (unavailable || process.platform === 'win32' || setting === '0') return false;
  return wanted || setting === '1';
}

/** The spawner's pid while one runs (for tests). */
export function gitSpawnerPid(): number | undefined {
  return current?.pid;
}

function rebuildError(info: SpawnerMessage['error']): Error {
  const message = info?.message ?? 'unknown error';
  // spawn throws TypeError and RangeError for invalid arguments (a NUL byte in one).
  const error =
    info?.name === 'TypeError'
      ? new TypeError(message)
      : info?.name === 'RangeError'
        ? new RangeError(message)
        : new Error(message);
  if (info?.name !== undefined) error.name = info.name;
  for (const [key, value] of Object.entries(info ?? {})) {
    if (key !== 'name' && key !== 'message') (error as unknown as Record<string, unknown>)[key] = value;
  }
  return error;
}

function asBuffer(bytes: Uint8Array | undefined): Buffer {
  if (bytes === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function deliver(spawner: Spawner, message: SpawnerMessage): void {
  // Any message proves it works (`ready` comes first anyway).
  spawner.ready = true;
  if (message.type === 'ready') return;
  const command = message.id === undefined ? undefined : spawner.pending.get(message.id);
  if (command === undefined || message.id === undefined) return;
  switch (message.type) {
    case 'spawned':
      command.pid = message.pid;
      command.spawnedAt = performance.now();
      // A detached git (one with a timeout) is not in the spawner's process group: killing this
      // process's group with the spawner leaves it running, so the locks name it too.
      if (command.request.detached && message.pid !== undefined) {
        command.releaseChild = command.recordChild(message.pid);
      }
      command.events.spawned(message.pid);
      return;
    case 'thrown':
      finish(spawner, message.id);
      command.events.threw(rebuildError(message.error));
      return;
    case 'error':
      command.events.failedToStart(rebuildError(message.error));
      return;
    case 'timeout':
      command.events.timedOut();
      return;
    case 'close':
      finish(spawner, message.id);
      command.releaseChild?.();
      command.events.closed(message.code ?? null, asBuffer(message.stdout), asBuffer(message.stderr));
      return;
  }
}

/**
 * Keeps this process alive while the spawner runs a command of it (or lets it end once none is
 * pending). Both handles: the channel closes first when the spawner dies, and the process handle
 * must then keep this process alive until its `close` event settles the commands.
 */
function keepAlive(spawner: Spawner, alive: boolean): void {
  if (alive) {
    spawner.child.ref();
    spawner.child.channel?.ref();
  } else {
    spawner.child.unref();
    spawner.child.channel?.unref();
  }
}

/** Forgets a finished command; an idle spawner does not keep this process alive. */
function finish(spawner: Spawner, id: number): void {
  spawner.pending.delete(id);
  if (spawner.pending.size === 0) keepAlive(spawner, false);
}

/** SIGKILLs the process group of `pid` (it was started detached), or `pid` alone. */
function stopOrphan(pid: number, detached: boolean): void {
  try {
    process.kill(detached ? -pid : pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It ended meanwhile.
    }
  }
}

/**
 * Waits, under the caller's locks, for a git the dead spawner left running, then reports it lost.
 * The polling timer keeps this process alive meanwhile (a script with no other handles does not
 * end with the command unsettled and the lock not naming its git). A command with a timeout is
 * stopped here once its deadline passes (the spawner's timer died with it), and reported as timed
 * out at once, as the spawner would have; the lock names its git until it is gone.
 */
function waitForOrphan(command: PendingCommand, reason: Error): void {
  const pid = command.pid;
  if (pid === undefined || !isSameProcessAlive(pid, undefined)) {
    command.releaseChild?.();
    command.events.lost(reason);
    return;
  }
  const exited = command.releaseChild ?? command.recordChild(pid);
  let stopped = false;
  const { timeoutMs, detached } = command.request;
  const deadline =
    timeoutMs === undefined || command.spawnedAt === undefined
      ? undefined
      : setTimeout(
          () => {
            stopped = true;
            // Not a pid (or group) reused since git ended.
            if (isSameProcessAlive(pid, undefined)) stopOrphan(pid, detached);
            command.events.timedOut();
          },
          Math.max(0, command.spawnedAt + timeoutMs - performance.now()),
        );
  const poll = setInterval(() => {
    if (isSameProcessAlive(pid, undefined)) return;
    clearInterval(poll);
    if (deadline !== undefined) clearTimeout(deadline);
    exited();
    if (!stopped) command.events.lost(reason);
  }, ORPHAN_POLL_MS);
}

function ended(spawner: Spawner, code: number | null, signal: NodeJS.Signals | null): void {
  if (current === spawner) current = undefined;
  useLockHelperProcess(undefined);
  const commands = [...spawner.pending.values()];
  spawner.pending.clear();
  if (!spawner.ready) {
    // It never worked here (no node binary that runs -e, a sandbox…): nothing was started. The
    // messages it wrote are all read before `close`, and any of them marks it ready: no command
    // rerun here was acknowledged by it.
    unavailable = true;
    for (const command of commands) command.runHere();
    return;
  }
  unexpectedEnds += 1;
  if (unexpectedEnds >= MAXIMUM_UNEXPECTED_ENDS) unavailable = true;
  const how = signal === null ? `exit ${code ?? -1}` : signal;
  const reason = new Error(`the git spawner process (pid ${spawner.pid}) ended unexpectedly (${how})`);
  for (const command of commands) waitForOrphan(command, reason);
}

function start(): Spawner | undefined {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  // The parent's --import, --cpu-prof… are not for the spawner (git gets the parent's own).
  delete environment['NODE_OPTIONS'];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--max-old-space-size=64', '-e', GIT_SPAWNER_SOURCE], {
      env: environment,
      // Not the parent's directory: a process living in it would keep it busy (and look like a
      // process left running there); each git gets its own `cwd`.
      cwd: '/',
      // Not the parent's stdio: the spawner may outlive the parent, and must not hold its pipes.
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
    });
  } catch {
    return undefined;
  }
  if (child.pid === undefined) {
    child.on('error', () => undefined);
    return undefined;
  }
  const spawner: Spawner = { child, pid: child.pid, ready: false, pending: new Map() };
  child.on('message', (message: SpawnerMessage) => deliver(spawner, message));
  child.on('error', () => undefined);
  child.on('close', (code, signal) => ended(spawner, code, signal));
  // Checked on the next turn of the event loop, once the messages waiting are read: after this
  // process's loop was blocked past the timeout, the timer runs before `ready` is read.
  const readyTimer = setTimeout(() => {
    setImmediate(() => {
      if (!spawner.ready) child.kill('SIGKILL');
    }).unref();
  }, READY_TIMEOUT_MS);
  readyTimer.unref();
  keepAlive(spawner, false);
  useLockHelperProcess(spawner.pid);
  return spawner;
}

/**
 * Starts git through the spawner, starting the spawner on first use. Returns false when git must
 * be started in this process instead (spawner turned off or unavailable); `runHere` is called
 * later should the spawner turn out not to work before it started this command. Before the
 * request leaves, the spawner is named in the locks the caller holds: it outlives the commands it
 * runs, so a lock naming it is not taken over while one runs, even if this process is killed.
 */
export function runThroughSpawner(
  request: GitSpawnRequest,
  events: GitProcessEvents,
  runHere: () => void,
): boolean {
  if (!gitSpawnerEnabled()) return false;
  const spawner = current ?? (current = start());
  if (spawner === undefined) {
    unavailable = true;
    return false;
  }
  recordLockHolderHelper(spawner.pid);
  const id = nextId++;
  const recordChild = AsyncResource.bind((pid: number) => recordLockHolderChild(pid));
  // Bound to the caller's async context, like the lock recording of a git started here.
  spawner.pending.set(id, { request, events, recordChild, runHere: AsyncResource.bind(runHere) });
  if (spawner.pending.size === 1) keepAlive(spawner, true);
  spawner.child.send({ type: 'run', id, ...request }, (error) => {
    // The channel broke: the `exit` handler settles the command.
    if (error !== null && error !== undefined) spawner.child.kill('SIGKILL');
  });
  return true;
}
