import { spawn } from 'node:child_process';
import {
  buildCheckEnvironment,
  CheckEnvironmentConfigSchema,
  redactSecrets,
  secretValuesOf,
  type CheckConfig,
  type CheckEnvironmentSettings,
} from '@hyperion/schema';

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
  /** Combined stdout and stderr (the last {@link CHECK_OUTPUT_LIMIT} characters), secrets redacted. */
  output: string;
}

/**
 * Runs check commands. The default runs each command with `sh -c` in the worktree; a platform
 * team can replace it (a remote CI, a container) behind this interface.
 */
export interface CheckRunner {
  /**
   * Runs one check in `directory`. Must stop the command when `signal` aborts, and must not start
   * it when `signal` has already aborted.
   */
  run(check: CheckConfig, directory: string, signal?: AbortSignal): Promise<CheckRunResult>;
}

/** How a {@link ShellCheckRunner} builds the environment of its checks. */
export interface ShellCheckRunnerOptions {
  /** The configuration's `check_environment`; its defaults when not given. */
  environment?: CheckEnvironmentSettings;
  /** Secret names besides the default ones and the secret-looking ones (the config's `agent.secret_env`). */
  secretNames?: readonly string[];
  /** The environment allowed variables are copied from, and whose secrets are redacted; `process.env` by default. */
  baseEnvironment?: Record<string, string | undefined>;
}

/** The result of a check that was never started (it was stopped first), with `output`. */
export function notStartedResult(check: Pick<CheckConfig, 'name' | 'command'>, output = ''): CheckRunResult {
  return {
    name: check.name,
    command: check.command,
    passed: false,
    exitCode: null,
    timedOut: false,
    durationMs: 0,
    output,
  };
}

/**
 * The last {@link CHECK_OUTPUT_LIMIT} characters of `output`. Once anything was cut, the first,
 * partial line is dropped as well: it may hold the tail of a secret, which redaction cannot know.
 */
function keepTail(output: string, alreadyCut: boolean): string {
  if (output.length <= CHECK_OUTPUT_LIMIT && !alreadyCut) return output;
  const tail = output.slice(-CHECK_OUTPUT_LIMIT);
  const newline = tail.indexOf('\n');
  return newline === -1 ? '' : tail.slice(newline + 1);
}

/**
 * Runs a check as a child process group (`sh -c <command>`), captures its output, and kills the
 * whole group at the timeout or on abort.
 *
 * The check gets a minimal environment ({@link buildCheckEnvironment}): the allowed variables of
 * the worker's environment, the configured literal ones and `HYPERION_CHECK` (the check's name),
 * never a credential. Its output comes back with secrets redacted (`redactSecrets`), so a check
 * that prints a credential it found elsewhere does not put it into an event.
 */
export class ShellCheckRunner implements CheckRunner {
  private readonly options: ShellCheckRunnerOptions;

  constructor(options: ShellCheckRunnerOptions = {}) {
    this.options = options;
  }

  /** Runs one check; see {@link CheckRunner.run}. */
  run(check: CheckConfig, directory: string, signal?: AbortSignal): Promise<CheckRunResult> {
    const started = Date.now();
    const base = this.options.baseEnvironment ?? process.env;
    const secretNames = this.options.secretNames ?? [];
    const environment = buildCheckEnvironment(
      base,
      this.options.environment ?? CheckEnvironmentConfigSchema.parse({}),
      secretNames,
    );
    const secretValues = secretValuesOf(base, secretNames);
    if (signal?.aborted === true) {
      // Stopped before it started: nothing is spawned.
      return Promise.resolve(
        notStartedResult(check, `[hyperion] check '${check.name}' was stopped before it started`),
      );
    }
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', check.command], {
        cwd: directory,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...environment, HYPERION_CHECK: check.name },
      });
      let output = '';
      let cut = false;
      let timedOut = false;
      const append = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (output.length > CHECK_OUTPUT_LIMIT * 2) {
          output = output.slice(-CHECK_OUTPUT_LIMIT);
          cut = true;
        }
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
          // Redacted before it is cut, so no secret is cut in two and missed.
          output: keepTail(redactSecrets(output, secretValues), cut),
        });
      };
      child.on('error', (error) => finish(null, error));
      child.on('close', (code) => finish(code));
    });
  }
}
