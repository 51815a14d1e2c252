import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from './run-git.js';
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
function startChurn(options: ChurnOptions): { ready: Promise<void>; done: Promise<ChurnResult> } {
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
  return { ready, done };
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

    const failures = results.flatMap((result, index) =>
      result.failures.map(
        (failure) => `p${index} cycle ${failure.cycle} ${failure.operation}: ${failure.message}`,
      ),
    );
    const operations = results.reduce((sum, result) => sum + result.operations, 0);
    console.log(`worktree churn: ${operations} operations, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(results.map((result) => [result.exitCode, result.stderr])).toEqual(results.map(() => [0, '']));
    expect(operations).toBeGreaterThanOrEqual(PROCESSES * CYCLES * 2);

    // Nothing is left registered, on disk, or locked.
    const list = await runGit(['worktree', 'list', '--porcelain'], { cwd: root });
    expect(list.stdout.split('\n').filter((line) => line.startsWith('worktree '))).toEqual([
      `worktree ${root}`,
    ]);
    const administrative = join(repository.gitDirectory, 'worktrees');
    expect(existsSync(administrative) ? readdirSync(administrative) : []).toEqual([]);
    expect(readdirSync(worktreesDirectory)).toEqual([]);
    expect(readdirSync(repository.gitDirectory).filter((name) => name.startsWith('hyperion-'))).toEqual([]);
  }, 120_000);
});
