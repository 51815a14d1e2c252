import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

/** An initialized repository with one change queued for `main`. */
async function repositoryWithQueuedChange(): Promise<{ root: string; id: string }> {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
  const root = temporary.root;
  expect((await hyperion(['init', '--repo', root])).code).toBe(0);
  const file = join(temporaryDirectory('hyperion-input'), 'change.json');
  writeFileSync(
    file,
    JSON.stringify({
      task_id: 'T-1',
      agent: 'elsewhere',
      changes: [
        {
          path: 'a.txt',
          operation: 'update',
          patch: 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n',
        },
      ],
    }),
  );
  const submitted = await hyperion(['submit', file, '--repo', root, '--json']);
  expect(submitted.code).toBe(0);
  return { root, id: (JSON.parse(submitted.stdout) as { id: string }).id };
}

async function entryOf(root: string, id: string): Promise<{ state: string; attempts: number }> {
  const shown = await hyperion(['queue', 'show', id, '--repo', root, '--json']);
  return (JSON.parse(shown.stdout) as { entry: { state: string; attempts: number } }).entry;
}

describe('a target branch that does not exist', () => {
  it('is said once with exit 4 by worker --drain when the configuration names it, instead of waiting forever', async () => {
    const { root, id } = await repositoryWithQueuedChange();
    const configFile = join(root, '.hyperion', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, target_branch: 'nope' }));
    const worker = await hyperion(['worker', '--drain', '--repo', root]);
    expect(worker.code).toBe(4);
    expect(worker.stderr).toMatch(/^error\[branch_not_found\]: target branch 'nope' does not exist in /);
    expect(worker.stderr.trim().split('\n')).toHaveLength(1);
    expect(await entryOf(root, id)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('is exit 4 when the branch was deleted after queueing, and nothing is quarantined or charged', async () => {
    const { root, id } = await repositoryWithQueuedChange();
    await runGit(['branch', '-m', 'main', 'renamed'], { cwd: root });
    const worker = await hyperion(['worker', '--drain', '--repo', root]);
    expect(worker.code).toBe(4);
    expect(worker.stderr).toMatch(/^error\[branch_not_found\]: target branch 'main' does not exist in /);
    expect(await entryOf(root, id)).toMatchObject({ state: 'queued', attempts: 0 });
    // Once the branch is back, the entry lands as if nothing had happened.
    await runGit(['branch', '-m', 'renamed', 'main'], { cwd: root });
    expect((await hyperion(['worker', '--drain', '--repo', root])).code).toBe(0);
    expect(await entryOf(root, id)).toMatchObject({ state: 'landed', attempts: 1 });
  });
});
