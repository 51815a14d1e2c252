#!/usr/bin/env node
// Drives the Hyperion request pipeline from code with a custom harness:
// request → engineer → orchestrator → developers → merge queue → landed.
//
//   node dist/main.js
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepository } from '@hyperion/git';
import { runRequestPipeline } from '@hyperion/orchestrator';
import { MergeQueue, hyperionPaths, initializeWorkspace, loadConfig } from '@hyperion/queue';
import { HyperionError, TaskRequestSchema } from '@hyperion/schema';
import { SqliteStore, requestHistory } from '@hyperion/store';
import { createDemoRepository } from './demo-repository.js';
import { LicenseHeaderHarness } from './license-header-harness.js';

const HEADER = '// SPDX-License-Identifier: MIT\n';

async function main(): Promise<void> {
  const repository = await GitRepository.open(createDemoRepository());
  const paths = hyperionPaths(repository.root);
  initializeWorkspace(paths, repository.gitDirectory, {
    config: {
      // Runs on each developer's worktree before submitting, and again on the tree the queue lands.
      checks: [
        { name: 'syntax', command: 'for f in src/*.js lib/*.js; do node --check "$f" || exit 1; done' },
      ],
      queue: { poll_ms: 50, backoff_base_ms: 50 },
    },
  });
  const config = loadConfig(paths);
  console.log(`repository ${repository.root}`);

  const store = SqliteStore.open(paths.databaseFile, { create: true });
  try {
    const queue = new MergeQueue({ store, repository, config, worktreesDirectory: paths.worktreesDirectory });
    queue.events.on('entry:landed', ({ entry, commit }) => {
      console.log(`landed     ${entry.task_id} (${entry.paths.join(', ')}) as ${commit.slice(0, 12)}`);
    });
    const harness = new LicenseHeaderHarness(HEADER);

    // A request as a person writes it; parsing fills the defaults and names any bad field.
    const request = TaskRequestSchema.parse({
      request_id: 'REQ-license',
      summary: 'Put the license header on the JavaScript sources',
      requested_changes: [
        { path: 'src/add.js', summary: 'Add the SPDX header' },
        { path: 'src/multiply.js', summary: 'Add the SPDX header' },
        { path: 'lib/format.js', summary: 'Add the SPDX header' },
      ],
    });
    const outcome = await runRequestPipeline(request, {
      repository,
      store,
      queue,
      harness,
      worktreesDirectory: paths.worktreesDirectory,
      // The engineer and orchestrator follow the rules; with true they would ask the harness too
      // (role `engineer` / `orchestrator`, with an outputSchema for their structured answer).
      planWithModel: false,
    });
    console.log(`engineer   ${outcome.planning.engineer}: ${outcome.classification}, risk ${outcome.risk}`);
    for (const assignment of outcome.assignments) {
      console.log(`assignment ${assignment.task_id}: ${assignment.files.join(', ')}`);
    }
    for (const run of harness.runs) console.log(`developer  ran on ${run.filesInScope.join(', ')}`);
    for (const item of outcome.enqueued) console.log(`enqueued   ${item.task_id} as ${item.change_id}`);

    const summary = await queue.runWorkers({ mode: 'drain' });
    console.log(`summary    ${JSON.stringify(summary)}`);
    // What `hyperion requests` shows: the request's assignments, their agent runs and queue outcome.
    const history = (await requestHistory(store)).find((item) => item.id === outcome.request_id);
    for (const assignment of history?.assignments ?? []) {
      const states = assignment.entries.map((entry) => entry.state).join(', ');
      console.log(
        `outcome    ${assignment.task_id} ${states} after ${assignment.runs.length} developer run(s)`,
      );
    }
    console.log(`request    ${outcome.request_id} ${JSON.stringify(history?.outcome ?? {})}`);
    const firstLine = readFileSync(join(repository.root, 'lib/format.js'), 'utf8').split('\n')[0];
    console.log(`lib/format.js now starts with: ${firstLine}`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  const message = HyperionError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
  console.error(`error: ${message}`);
  process.exitCode = 1;
});
