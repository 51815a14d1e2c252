import { spawn } from 'node:child_process';
import type { CheckConfig } from '@hyperion/schema';

/** The most output kept from one check run (the tail is kept). */
export const CHECK_OUTPUT_LIMIT = 64 * 1024;

/** What one run of a check produced. */
export interface CheckRunResult {
  /** The check's configured name. */
  name: string;
  /** The command that ran. */
  command: string;
  /** True when the command exited 0 within its timeout. */
  passed: boolean;
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  /** True when the run was killed at its timeout. */
  timedOut: boolean;
  /** Wall-clock duration in milliseconds. */
  durationMs: number;
  /** Combined stdout and stderr (the last {@link CHECK_OUTPUT_LIMIT} bytes). */
  output: string;
}

/**
 * Runs check commands. The default runs each command with `sh -c` in the worktree; a platform
 * team can replace it (a remote CI, a container) behind this interface.
 */
export interface CheckRunner {
  /** Runs one check in `directory`. Must stop the command when `signal` aborts. */
  run(check: CheckConfig, directory: string, signal?: AbortSignal): Promise<CheckRunResult>;
}

/**
 * Runs a check as a child process group (`sh -c <command>`), captures its output, and kills the
 * whole group at the timeout or on abort.
 */
export class ShellCheckRunner implements CheckRunner {
  /** Runs one check; see {@link CheckRunner.run}. */
  run(check: CheckConfig, directory: string, signal?: AbortSignal): Promise<CheckRunResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', check.command], {
        cwd: directory,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HYPERION_CHECK: check.name },
      });
      let output = '';
      let timedOut = false;
      const append = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (output.length > CHECK_OUTPUT_LIMIT * 2) output = output.slice(-CHECK_OUTPUT_LIMIT);
      };
      child.stdout.on('data', append);
      child.stderr.on('data', append);
      const killGroup = (): void => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, check.timeout_ms);
      const onAbort = (): void => killGroup();
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (exitCode: number | null, spawnError?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (spawnError !== undefined) output += `\n${spawnError.message}`;
        if (timedOut) output += `\n[hyperion] check '${check.name}' timed out after ${check.timeout_ms} ms`;
        resolve({
          name: check.name,
          command: check.command,
          passed: exitCode === 0 && !timedOut,
          exitCode,
          timedOut,
          durationMs: Date.now() - started,
          output: output.slice(-CHECK_OUTPUT_LIMIT),
        });
      };
      child.on('error', (error) => finish(null, error));
      child.on('close', (code) => finish(code));
    });
  }
}
