import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { HyperionError } from '@hyperion/schema';
import { runThroughSpawner, type GitProcessEvents, type GitSpawnRequest } from './git-spawner.js';
import { recordLockHolderChild } from './repository-lock.js';

/** Result of one git CLI invocation. */
export interface GitCommandResult {
  /** Everything git wrote to standard output, decoded as UTF-8. */
  stdout: string;
  /** Everything git wrote to standard error, decoded as UTF-8. */
  stderr: string;
  /** The process exit status (or -1 when it ended through a signal). */
  exitCode: number;
}

/** Options of {@link runGit}. */
export interface RunGitOptions {
  /** Directory git runs in. */
  cwd: string;
  /** Text written to git's standard input (a patch, a commit message…). */
  input?: string;
  /** Extra environment variables, applied over the cleaned inherited environment. */
  env?: NodeJS.ProcessEnv;
  /** When true a non-zero exit is returned instead of thrown. */
  allowFailure?: boolean;
  /**
   * Kills git and every process it started (SIGKILL to its process group) after this many
   * milliseconds and throws `git_failed` saying so, even with `allowFailure`: for commands that
   * talk to a remote, which must never hang.
   */
  timeoutMs?: number;
}

/**
 * Variables that would redirect git away from `cwd` (set, for example, when Hyperion runs inside a
 * git hook). They are dropped from the inherited environment; callers may still pass them in `env`.
 */
const REDIRECTING_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX'];

function gitEnvironment(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REDIRECTING_VARIABLES) delete environment[name];
  // A fixed locale keeps git's messages stable, since callers match on them.
  return { ...environment, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

/** Kills `child`'s process group (it was started detached), or `child` alone when that fails. */
function stopProcessGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** One finished git CLI invocation, as reported to a {@link GitCommandObserver}. */
export interface GitCommandRecord {
  /** The arguments git was started with. */
  args: readonly string[];
  /** Wall-clock time from spawn to exit, in milliseconds. */
  durationMs: number;
}

/** Called after every git process {@link runGit} started has ended (benchmarks count spawns with it). */
export type GitCommandObserver = (record: GitCommandRecord) => void;

let commandObserver: GitCommandObserver | undefined;

/**
 * Installs `observer` (or removes it, with undefined) for every later {@link runGit} call of this
 * process. For measurements (`pnpm bench` counts git spawns per landed change); it sees arguments
 * only, never the input given to git.
 */
export function observeGitCommands(observer: GitCommandObserver | undefined): void {
  commandObserver = observer;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? ''
  );
}

/**
 * What both ways of starting git report a command's end to: settles its promise as
 * {@link runGit} promises, and tells the observer.
 */
function commandEvents(
  args: string[],
  options: RunGitOptions,
  resolve: (result: GitCommandResult) => void,
  reject: (error: unknown) => void,
): GitProcessEvents {
  const command = `git ${args.join(' ')}`;
  const observer = commandObserver;
  const spawned = observer === undefined ? 0 : performance.now();
  let timedOut = false;
  return {
    spawned: () => undefined,
    threw: reject,
    failedToStart: (error) =>
      reject(
        new HyperionError('git_failed', `${command} could not start in ${options.cwd}: ${error.message}`, {
          cause: error,
          details: { args, cwd: options.cwd },
        }),
      ),
    timedOut: () => {
      timedOut = true;
      reject(
        new HyperionError(
          'git_failed',
          `${command} did not finish within ${(options.timeoutMs ?? 0) / 1000} s and was stopped`,
          { details: { args, cwd: options.cwd, timeout_ms: options.timeoutMs } },
        ),
      );
    },
    closed: (code, stdout, stderr) => {
      observer?.({ args, durationMs: performance.now() - spawned });
      if (timedOut) return;
      const result: GitCommandResult = {
        stdout: stdout.toString('utf8'),
        stderr: stderr.toString('utf8'),
        exitCode: code ?? -1,
      };
      if (result.exitCode === 0 || options.allowFailure === true) {
        resolve(result);
        return;
      }
      reject(
        new HyperionError(
          'git_failed',
          `${command} failed (exit ${result.exitCode}): ${firstLine(result.stderr) || 'no error output'}`,
          { details: { args, cwd: options.cwd, exitCode: result.exitCode, stderr: result.stderr } },
        ),
      );
    },
    lost: (error) =>
      reject(
        new HyperionError('git_failed', `${command} did not finish: ${error.message}`, {
          cause: error,
          details: { args, cwd: options.cwd },
        }),
      ),
  };
}

/** Starts git in this process (the spawner is off or could not start). */
function runInThisProcess(request: GitSpawnRequest, events: GitProcessEvents): void {
  let child: ChildProcess;
  try {
    child = spawn('git', request.args, {
      cwd: request.cwd,
      env: request.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: request.detached,
    });
  } catch (error) {
    events.threw(error as Error);
    return;
  }
  // Under a repository lock, the lock must outlive this command should this process be killed.
  const exited = child.pid === undefined ? () => undefined : recordLockHolderChild(child.pid);
  events.spawned(child.pid);
  // On a timeout the command is settled at once: a helper git started (ssh, a credential
  // helper) may keep the pipes open after git itself is killed.
  const timer =
    request.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          stopProcessGroup(child);
          child.stdout?.destroy();
          child.stderr?.destroy();
          events.timedOut();
        }, request.timeoutMs);
  const stdoutChunks: Buffer[] = [];
  const stderrChunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderrChunks.push(chunk));
  child.on('error', (error) => {
    if (timer !== undefined) clearTimeout(timer);
    events.failedToStart(error);
  });
  child.on('close', (code) => {
    exited();
    if (timer !== undefined) clearTimeout(timer);
    events.closed(code, Buffer.concat(stdoutChunks), Buffer.concat(stderrChunks));
  });
  // git may exit before reading all input (e.g. on a bad flag); that is reported by `close`.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(request.input);
}

/**
 * Runs `git` with `args` (no shell). Throws `HyperionError('git_failed')` with a one-line message
 * naming the arguments and the first line of standard error when git exits non-zero, unless
 * `allowFailure` is set.
 *
 * git is started by a small helper process of this one (so that starting it does not block this
 * process's event loop, which a fork of a large process does), or here when that helper cannot
 * run or `HYPERION_GIT_SPAWNER=0` is set; both behave the same.
 */
export function runGit(args: string[], options: RunGitOptions): Promise<GitCommandResult> {
  return new Promise((resolve, reject) => {
    const events = commandEvents(args, options, resolve, reject);
    const request: GitSpawnRequest = {
      args,
      cwd: options.cwd,
      env: gitEnvironment(options.env),
      input: options.input ?? '',
      // With a timeout git gets a process group of its own, so that its helpers are stopped with it.
      detached: options.timeoutMs !== undefined,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    const runHere = () => runInThisProcess(request, events);
    if (!runThroughSpawner(request, events, runHere)) runHere();
  });
}

/** The first non-empty line of `text`, trimmed (used to build one-line error messages). */
export function firstNonEmptyLine(text: string): string {
  return firstLine(text);
}
