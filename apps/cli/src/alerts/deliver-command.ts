import { spawn } from 'node:child_process';

/** The last part of a failing command's standard error kept for the log. */
const STDERR_LIMIT = 1_000;

/** Variables every alert command gets from the worker's environment. */
const BASE_ENVIRONMENT = ['PATH', 'HOME', 'LANG'];

/**
 * Runs `argv` without a shell, writes `body` to its standard input and resolves when it exits 0.
 * It gets PATH, HOME, LANG and the variables `passed` names (nothing else of the worker's
 * environment) plus `HYPERION_ALERT_EVENT`. Rejects when it cannot start, exits non-zero, or
 * outlives `timeoutMs` (it is then killed).
 */
export function deliverToCommand(
  argv: readonly string[],
  body: string,
  options: { timeoutMs: number; passed: readonly string[]; eventName: string },
): Promise<void> {
  const environment: Record<string, string> = { HYPERION_ALERT_EVENT: options.eventName };
  for (const name of [...BASE_ENVIRONMENT, ...options.passed]) {
    const value = process.env[name];
    if (value !== undefined) environment[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      shell: false,
      env: environment,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_LIMIT);
    });
    // A command that exits without reading its input closes the pipe: that alone is no failure.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`timed out after ${options.timeoutMs} ms`));
      else if (code === 0) resolve();
      else {
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with ${code}`;
        reject(new Error(`${how}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}`));
      }
    });
    child.stdin.end(body);
  });
}
