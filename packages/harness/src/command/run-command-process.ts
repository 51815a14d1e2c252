import { spawn } from 'node:child_process';
import type { ExpandedCommand } from './expand-command-template.js';
import { killProcessGroup } from './kill-process-group.js';
import { LineSplitter } from './line-splitter.js';

/** How to run one agent process. */
export interface CommandProcessOptions {
  /** The program and arguments. */
  command: ExpandedCommand;
  /** The working directory. */
  cwd: string;
  /** The complete environment of the process. */
  environment: Record<string, string>;
  /** Aborting it stops the whole process group: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal: AbortSignal;
  /** How long a stopped process gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Called with each line the process writes, in order. */
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** How an agent process ended. */
export interface CommandProcessOutcome {
  /** Everything the process wrote to stdout. */
  stdout: string;
  /** Everything the process wrote to stderr. */
  stderr: string;
  /** The exit code, when the process exited rather than being killed by a signal. */
  exitCode?: number;
  /** The signal that killed the process, if one did. */
  exitSignal?: NodeJS.Signals;
  /** Why the process could not start (`ENOENT`…), when it could not. */
  spawnError?: NodeJS.ErrnoException;
}

/** How long to wait for the output pipes to close after the process has exited. */
const PIPE_CLOSE_GRACE_MS = 1_000;

/**
 * Runs the process in a group of its own. When it ends, or when `signal` aborts, the whole group
 * is killed, so no descendant outlives the run.
 */
export function runCommandProcess(options: CommandProcessOptions): Promise<CommandProcessOutcome> {
  return new Promise((resolvePromise) => {
    const child = spawn(options.command.program, options.command.arguments, {
      cwd: options.cwd,
      env: options.environment,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const outcome: CommandProcessOutcome = { stdout: '', stderr: '' };
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      stdoutLines.flush();
      stderrLines.flush();
      for (const timer of timers) clearTimeout(timer);
      options.signal.removeEventListener('abort', stop);
      resolvePromise(outcome);
    };
    const stop = () => {
      killProcessGroup(child.pid, 'SIGTERM');
      timers.push(setTimeout(() => killProcessGroup(child.pid, 'SIGKILL'), options.killGraceMs));
    };
    const stdoutLines = new LineSplitter((line) => options.onLine('stdout', line));
    const stderrLines = new LineSplitter((line) => options.onLine('stderr', line));
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      outcome.stdout += chunk;
      stdoutLines.push(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      outcome.stderr += chunk;
      stderrLines.push(chunk);
    });
    child.on('error', (error) => {
      outcome.spawnError = error;
      settle();
    });
    child.on('exit', (code, exitSignal) => {
      if (code !== null) outcome.exitCode = code;
      if (exitSignal !== null) outcome.exitSignal = exitSignal;
      // Descendants left behind would keep the pipes open: end them with the run.
      killProcessGroup(child.pid, 'SIGKILL');
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          settle();
        }, PIPE_CLOSE_GRACE_MS),
      );
    });
    child.on('close', settle);
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', stop, { once: true });
  });
}
