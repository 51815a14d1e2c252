/**
 * One process of the cross-process worktree test: adds and removes worktrees of one repository
 * in a loop, with prunes mixed in, and prints one JSON line `{ operations, failures }`.
 * `node --import tsx --conditions=@hyperion/source src/testing/worktree-churn.ts <options JSON>`
 * where the options are {@link ChurnOptions}. It prints `ready` first and starts only once the
 * file `startFile` exists, so that every process of a run starts at the same moment.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GitRepository } from '../git-repository.js';

/** What one churn process does. */
export interface ChurnOptions {
  /** The repository's main worktree. */
  root: string;
  /** Where this process creates its worktrees (shared by every process of a run). */
  worktreesDirectory: string;
  /** Prefix of this process's worktree names, unique per process. */
  name: string;
  /** Add/remove cycles to run. */
  cycles: number;
  /** Commit every worktree is checked out at. */
  commit: string;
  /** Created by the test once every process printed `ready`. */
  startFile: string;
}

/** One operation that failed. */
export interface ChurnFailure {
  /** The cycle it happened in. */
  cycle: number;
  /** Which operation. */
  operation: string;
  /** The error's message. */
  message: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChurnOptions;
const repository = await GitRepository.open(options.root);
const failures: ChurnFailure[] = [];
let operations = 0;

async function step(cycle: number, operation: string, work: () => Promise<void>): Promise<boolean> {
  operations += 1;
  try {
    await work();
    return true;
  } catch (error) {
    failures.push({ cycle, operation, message: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

process.stdout.write('ready\n');
while (!existsSync(options.startFile)) await sleep(5);

for (let cycle = 0; cycle < options.cycles; cycle += 1) {
  const path = join(options.worktreesDirectory, `${options.name}-${cycle}`);
  const added = await step(cycle, cycle % 2 === 0 ? 'add' : 'ensure', async () => {
    const worktree =
      cycle % 2 === 0
        ? await repository.addWorktree(path, options.commit)
        : await repository.ensureWorktree(path, options.commit);
    const head = await worktree.head();
    if (head !== options.commit) throw new Error(`worktree ${path} is at ${head}, not ${options.commit}`);
    await readFile(join(path, 'README.md'), 'utf8');
  });
  if (cycle % 3 === 2) {
    // Removing a path that was never a worktree is a prune of every stale registration.
    await step(cycle, 'prune', () =>
      repository.removeWorktree(join(options.worktreesDirectory, `${options.name}-never`)),
    );
  }
  if (added || existsSync(path)) {
    await step(cycle, 'remove', async () => {
      await repository.removeWorktree(path);
      if (existsSync(path)) throw new Error(`worktree ${path} is still there after removal`);
    });
  }
}
process.stdout.write(`${JSON.stringify({ operations, failures })}\n`);
