import { spawn } from 'node:child_process';

/** The last part of a failing command's standard error kept for the log. */
const STDERR_LIMIT = 1_000;

/** Variables every alert command gets from the worker's environment. */
const BASE_ENVIRONMENT = ['PATH', 'HOME', 'LANG'];

/**
 * Runs `argv` without a shell, writes `body` to its standard input and resolves when it exits 0.
 * It gets PATH, HOME, LANG and the variables `passed` names (nothing else of the worker's
 * environment) plus `HYPERION_ALERT_EVENT`. Rejects when it cannot start, exits non-zero, or
 * outlives `timeoutMs` (it is then killed, with the processes it started). Exiting 0 is enough: a
 * process it left running does not hold the delivery up.
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
    // Its own process group, so a timeout kills what it started too: a child it left running
    // would hold its stderr open, and the delivery (and the target's later alerts) would wait.
    const child = spawn(argv[0]!, argv.slice(1), {
      shell: false,
      detached: true,
      env: environment,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    let settled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already
      }
    };
    const settle = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // What it left running must not keep the pipe, or this process, open.
      child.stderr.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    const failure = (code: number | null, signal: NodeJS.Signals | null): Error => {
      const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with ${code}`;
      return new Error(`${how}${stderr.trim() === '' ? '' : `: ${stderr.trim()}`}`);
    };
    const timer = setTimeout(() => {
      killGroup();
      // Exited non-zero, but what it left running held its stderr: its exit code is the news.
      settle(
        exited === undefined
          ? new Error(`timed out after ${options.timeoutMs} ms`)
          : failure(exited.code, exited.signal),
      );
    }, options.timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_LIMIT);
    });
    // A command that exits without reading its input closes the pipe: that alone is no failure.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      settle(new Error(`could not start: ${error.message}`));
    });
    // Exit 0 is a delivery, whatever it left running; a failure waits for `close` (bounded by the
    // timeout) to have the end of its stderr.
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      if (code === 0) settle(undefined);
    });
    child.on('close', (code, signal) => {
      settle(code === 0 ? undefined : failure(code, signal));
    });
    child.stdin.end(body);
  });
}
