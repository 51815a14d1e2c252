#!/usr/bin/env node
// Embeds the Hyperion merge queue in a plain Node script.
//
//   node dist/main.js                          a demo repository and three patches made with git diff
//   node dist/main.js <repository> <patch>...  your repository and your patch files
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { GitRepository } from '@hyperion/git';
import { MergeQueue, hyperionPaths, initializeWorkspace, loadConfig } from '@hyperion/queue';
import { HyperionError, printable, type HyperionConfigInput } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { changeFromPatch } from './change-from-patch.js';
import { createDemoRepository, type ProducedPatch } from './demo-repository.js';
import { printQueueEvents } from './print-events.js';

/** The demo's settings: a check that refuses any TODO, and a quick retry before quarantine. */
const DEMO_CONFIG: HyperionConfigInput = {
  workers: 2,
  checks: [{ name: 'no-todo', command: '! git grep -n TODO' }],
  queue: { max_attempts: 2, backoff_base_ms: 50, backoff_max_ms: 100, poll_ms: 50 },
};

/** A task id from a patch file's name (`fix-typo.diff` → `fix-typo`), as the schema allows. */
function taskIdOf(file: string): string {
  const stem = basename(file).replace(/\.(diff|patch)$/, '');
  const cleaned = stem.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return cleaned === '' ? 'patch' : cleaned.slice(0, 128);
}

function readArguments(): { root: string; patches: ProducedPatch[]; demo: boolean } {
  const [repository, ...patchFiles] = process.argv.slice(2);
  if (repository === undefined) return { ...createDemoRepository(), demo: true };
  if (patchFiles.length === 0) {
    throw new HyperionError('invalid_input', 'usage: main.js [<repository> <patch-file>...]');
  }
  const patches = patchFiles.map((file) => ({
    taskId: taskIdOf(file),
    source: file,
    summary: `Apply ${basename(file)}`,
    patch: readFileSync(file, 'utf8'),
  }));
  return { root: resolve(repository), patches, demo: false };
}

async function main(): Promise<void> {
  const { root, patches, demo } = readArguments();
  const repository = await GitRepository.open(root);
  const paths = hyperionPaths(repository.root);
  // Writes .hyperion/config.json unless the repository has one (then that one is used).
  initializeWorkspace(paths, repository.gitDirectory, { config: demo ? DEMO_CONFIG : {} });
  const config = loadConfig(paths);
  console.log(`repository ${repository.root}, landing on ${config.target_branch}`);

  const store = SqliteStore.open(paths.databaseFile, { create: true });
  try {
    const queue = new MergeQueue({ store, repository, config, worktreesDirectory: paths.worktreesDirectory });
    printQueueEvents(queue);
    for (const { taskId, summary, patch, source } of patches) {
      try {
        await queue.submit(changeFromPatch(taskId, patch, summary));
      } catch (error) {
        // Nothing was stored for a refused patch; say which one it was.
        if (!HyperionError.isInstance(error)) throw error;
        throw new HyperionError(error.code, `${source}: ${error.message}`, {
          cause: error,
          details: error.details,
        });
      }
    }
    const summary = await queue.runWorkers({ mode: 'drain' });
    console.log(`summary   ${JSON.stringify(summary)}`);
    for (const entry of await store.listEntries()) {
      console.log(
        `outcome   ${entry.task_id}  ${entry.state}${entry.landed_commit ? `  ${entry.landed_commit}` : ''}`,
      );
    }
    console.log(`tip       ${config.target_branch} ${await repository.requireBranch(config.target_branch)}`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  // A HyperionError carries a stable code and a message naming the field at fault.
  const message = HyperionError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
  // The message may quote a patch: control characters are neutralized before the terminal.
  console.error(`error: ${printable(message)}`);
  process.exitCode = 1;
});
