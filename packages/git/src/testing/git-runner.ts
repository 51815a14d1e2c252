/**
 * A process that runs git commands through `runGit`, for the spawner tests:
 * `node --import tsx --conditions=@hyperion/source src/testing/git-runner.ts <options JSON>` with
 * {@link GitRunnerOptions}. Mode `wait` starts a git command that runs until the file
 * `releaseFile` exists (with `timeoutMs`, if given; its shell appends git's pid to `pidFile`), prints one JSON line `{ "spawner": pid }` and
 * waits to be killed. Mode `settle` starts the same command, prints the same line, then waits only
 * for the command (no other handle keeps it alive) and prints `{ "error": message }` or
 * `{ "exitCode": code }` once it settled (with `blockMs`, it first blocks its event loop that long). Mode `once` runs `git --version`, prints `{ "spawner": pid, "stdout": … }`
 * and then does nothing: the process must end by itself. With `execPath`, `process.execPath` is
 * replaced first (a spawner that cannot start).
 */
import { dirname } from 'node:path';
import { runGit } from '../run-git.js';
import { gitSpawnerPid } from '../git-spawner.js';

/** What one git-runner process does. */
export interface GitRunnerOptions {
  /** `wait`, `settle` or `once`. */
  mode: 'wait' | 'settle' | 'once';
  /** Directory git runs in. */
  cwd: string;
  /** `wait`, `settle`: the git command ends once this file exists. */
  releaseFile?: string;
  /** `wait`, `settle`: where the command writes git's pid once it runs. */
  pidFile?: string;
  /** `wait`, `settle`: the command's timeout. */
  timeoutMs?: number;
  /** `settle`: blocks this process's event loop for this long once the command started. */
  blockMs?: number;
  /** Replaces `process.execPath` before git runs. */
  execPath?: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as GitRunnerOptions;
if (options.execPath !== undefined) {
  Object.defineProperty(process, 'execPath', { value: options.execPath });
}

if (options.mode === 'wait' || options.mode === 'settle') {
  const wait = `!echo $PPID >> '${options.pidFile ?? '/dev/null'}'; while [ ! -e '${options.releaseFile ?? ''}' ] && [ -d '${dirname(options.releaseFile ?? '.')}' ]; do sleep 0.05; done`;
  const command = runGit(['-c', `alias.wait-for-release=${wait}`, 'wait-for-release'], {
    cwd: options.cwd,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  process.stdout.write(`${JSON.stringify({ spawner: gitSpawnerPid() ?? null })}\n`);
  if (options.mode === 'wait') {
    command.catch(() => undefined);
    setInterval(() => undefined, 60_000);
  } else {
    if (options.blockMs !== undefined) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, options.blockMs);
    }
    const outcome = await command.then(
      (result) => ({ exitCode: result.exitCode }),
      (error: unknown) => ({ error: (error as Error).message }),
    );
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  }
} else {
  const result = await runGit(['--version'], { cwd: options.cwd });
  process.stdout.write(`${JSON.stringify({ spawner: gitSpawnerPid() ?? null, stdout: result.stdout })}\n`);
}
