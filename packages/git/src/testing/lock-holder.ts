/**
 * A process that takes a repository lock, for the cross-process lock tests:
 * `node --import tsx --conditions=@hyperion/source src/testing/lock-holder.ts <options JSON>`
 * with {@link LockHolderOptions}. Mode `hold` takes the lock, prints `held` and waits to be
 * killed. Mode `hold-command` does the same while, under the lock, a git command runs until the
 * file `releaseFile` exists (with `settle`, it then waits for that command alone, with no other
 * handle keeping it alive, prints `settled <message>` and releases the lock). Mode `count` waits for `startFile`, then `cycles` times increments the number in
 * `counterFile` under the lock by a read, a pause and a write (which loses counts unless the
 * lock excludes every other holder), and prints `done`.
 */
import { dirname } from 'node:path';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { withRepositoryLock } from '../repository-lock.js';
import { runGit } from '../run-git.js';

/** What one lock-holder process does. */
export interface LockHolderOptions {
  /** Directory of the lock file. */
  directory: string;
  /** Name of the lock file. */
  name: string;
  /** `hold`, `hold-command` or `count`. */
  mode: 'hold' | 'hold-command' | 'count';
  /** `hold-command`: the git command under the lock ends once this file exists. */
  releaseFile?: string;
  /** `hold-command`: the git command's timeout (git then runs in a process group of its own). */
  timeoutMs?: number;
  /** `hold-command`: wait for the command instead of being killed. */
  settle?: boolean;
  /** `hold-command`: where the command writes git's pid once it runs. */
  pidFile?: string;
  /** `count`: increments to make. */
  cycles?: number;
  /** `count`: the file holding the count. */
  counterFile?: string;
  /** `count`: created by the test once every process printed `ready`. */
  startFile?: string;
  /** Replaces `process.execPath` first (a git spawner that cannot start). */
  execPath?: string;
  /** Runs a git command before taking the lock (which starts the spawner outside of it). */
  gitFirst?: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LockHolderOptions;
if (options.execPath !== undefined) {
  Object.defineProperty(process, 'execPath', { value: options.execPath });
}

if (options.gitFirst === true) void runGit(['--version'], { cwd: options.directory }).catch(() => undefined);

if (options.mode === 'hold' || options.mode === 'hold-command') {
  await withRepositoryLock(options.directory, options.name, async () => {
    if (options.mode === 'hold-command') {
      const wait = `!echo $PPID > '${options.pidFile ?? '/dev/null'}'; while [ ! -e '${options.releaseFile ?? ''}' ] && [ -d '${dirname(options.releaseFile ?? '.')}' ]; do sleep 0.05; done`;
      const command = runGit(['-c', `alias.wait-for-release=${wait}`, 'wait-for-release'], {
        cwd: options.directory,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      if (options.settle === true) {
        process.stdout.write('held\n');
        const outcome = await command.then(
          () => 'finished',
          (error: unknown) => (error as Error).message,
        );
        process.stdout.write(`settled ${outcome}\n`);
        return;
      }
      command.catch(() => undefined);
    }
    process.stdout.write('held\n');
    // A pending timer keeps the process (and so the lock) alive until it is killed.
    await new Promise(() => setInterval(() => undefined, 60_000));
  });
} else {
  const counterFile = options.counterFile ?? '';
  process.stdout.write('ready\n');
  while (!existsSync(options.startFile ?? '')) await sleep(5);
  for (let cycle = 0; cycle < (options.cycles ?? 0); cycle += 1) {
    await withRepositoryLock(options.directory, options.name, async () => {
      const count = Number(await readFile(counterFile, 'utf8'));
      await sleep(1);
      await writeFile(counterFile, String(count + 1));
    });
  }
  process.stdout.write('done\n');
}
