import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from './run-git.js';
import { WORKTREE_LOCK_FILE } from './worktree-lock.js';
import { createTemporaryRepository, type TemporaryRepository } from './testing/temporary-repository.js';
import type { ChurnFailure, ChurnOptions } from './testing/worktree-churn.js';

const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));
const CHURN_SCRIPT = fileURLToPath(new URL('./testing/worktree-churn.ts', import.meta.url));
const PROCESSES = Number(process.env['HYPERION_WORKTREE_CHURN_PROCESSES'] ?? 4);
const CYCLES = Number(process.env['HYPERION_WORKTREE_CHURN_CYCLES'] ?? 60);

interface ChurnResult {
  exitCode: number | null;
  operations: number;
  failures: ChurnFailure[];
  stderr: string;
}

/** Starts one churn process; `ready` resolves once it waits for the start file. */
function startChurn(options: ChurnOptions): {
  pid: number;
  kill: () => void;
  ready: Promise<void>;
  done: Promise<ChurnResult>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@hyperion/source', CHURN_SCRIPT, JSON.stringify(options)],
    { cwd: PACKAGE_DIRECTORY, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<ChurnResult>((resolve) => {
    child.on('close', (exitCode) => {
      markReady();
      const last = stdout.trim().split('\n').pop() ?? '';
      const report = last.startsWith('{')
        ? (JSON.parse(last) as { operations: number; failures: ChurnFailure[] })
        : { operations: 0, failures: [] };
      resolve({ exitCode, ...report, stderr });
    });
  });
  return { pid: child.pid ?? 0, kill: () => child.kill('SIGKILL'), ready, done };
}

/** Resolves once the worktree lock file names `pid` as its owner. */
async function lockHeldBy(gitDirectory: string, pid: number): Promise<void> {
  for (;;) {
    const record = await readFile(join(gitDirectory, WORKTREE_LOCK_FILE), 'utf8').catch(() => '');
    if (record.startsWith(`{"pid":${pid},`)) return;
    await sleep(1);
  }
}

/** Failures of every run, one line each. */
function failureLines(results: ChurnResult[], names: string[]): string[] {
  return results.flatMap((result, index) =>
    result.failures.map(
      (failure) => `${names[index]} cycle ${failure.cycle} ${failure.operation}: ${failure.message}`,
    ),
  );
}

/** Asserts that the repository has only its main worktree and that no lock or leftover remains. */
async function expectNothingLeft(temporary: TemporaryRepository, worktreesDirectory: string): Promise<void> {
  const { repository, root } = temporary;
  const list = await runGit(['worktree', 'list', '--porcelain'], { cwd: root });
  expect(list.stdout.split('\n').filter((line) => line.startsWith('worktree '))).toEqual([
    `worktree ${root}`,
  ]);
  const administrative = join(repository.gitDirectory, 'worktrees');
  expect(existsSync(administrative) ? readdirSync(administrative) : []).toEqual([]);
  expect(readdirSync(worktreesDirectory)).toEqual([]);
  expect(readdirSync(repository.gitDirectory).filter((name) => name.startsWith('hyperion-'))).toEqual([]);
}

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

describe('worktrees added and removed by several processes at once', () => {
  it(`${PROCESSES} processes × ${CYCLES} add/remove cycles with prunes: no failure, nothing left registered`, async () => {
    temporary = await createTemporaryRepository();
    const { repository, root } = temporary;
    const commit = (await repository.resolveRef('main')) ?? '';
    const worktreesDirectory = join(root, '.hyperion', 'worktrees');
    await mkdir(worktreesDirectory, { recursive: true });
    const startFile = join(root, '.hyperion', 'start');
    const runs = Array.from({ length: PROCESSES }, (_, index) =>
      startChurn({ root, worktreesDirectory, name: `p${index}`, cycles: CYCLES, commit, startFile }),
    );
    await Promise.all(runs.map((run) => run.ready));
    await writeFile(startFile, '');
    const results = await Promise.all(runs.map((run) => run.done));

    const failures = failureLines(
      results,
      runs.map((_, index) => `p${index}`),
    );
    const operations = results.reduce((sum, result) => sum + result.operations, 0);
    console.log(`worktree churn: ${operations} operations, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(results.map((result) => [result.exitCode, result.stderr])).toEqual(results.map(() => [0, '']));
    expect(operations).toBeGreaterThanOrEqual(PROCESSES * CYCLES * 2);
    await expectNothingLeft(temporary, worktreesDirectory);
  }, 120_000);

  it('goes on when a process is killed with SIGKILL while it holds the worktree lock', async () => {
    temporary = await createTemporaryRepository();
    const { repository, root } = temporary;
    const commit = (await repository.resolveRef('main')) ?? '';
    const worktreesDirectory = join(root, '.hyperion', 'worktrees');
    await mkdir(worktreesDirectory, { recursive: true });
    const startFile = join(root, '.hyperion', 'start');
    const options = { root, worktreesDirectory, commit, startFile };
    const runs = Array.from({ length: 3 }, (_, index) =>
      startChurn({ ...options, name: `p${index}`, cycles: 20 }),
    );
    await Promise.all(runs.map((run) => run.ready));
    await writeFile(startFile, '');
    for (let kill = 0; kill < 3; kill += 1) {
      const victim = startChurn({ ...options, name: `killed${kill}`, cycles: 1_000 });
      await lockHeldBy(repository.gitDirectory, victim.pid);
      victim.kill();
      expect((await victim.done).exitCode).toBe(null);
    }
    const results = await Promise.all(runs.map((run) => run.done));
    expect(failureLines(results, ['p0', 'p1', 'p2'])).toEqual([]);
    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0]);

    // What the killed processes left is removed the way a worker reclaims a dead one's worktree.
    for (const entry of await repository.listWorktrees()) {
      if (entry.path !== root) await repository.removeWorktree(entry.path);
    }
    for (const name of readdirSync(worktreesDirectory)) {
      await repository.removeWorktree(join(worktreesDirectory, name));
      await rm(join(worktreesDirectory, name), { recursive: true, force: true });
    }
    await expectNothingLeft(temporary, worktreesDirectory);
  }, 120_000);
});
