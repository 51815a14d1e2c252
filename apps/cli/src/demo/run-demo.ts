import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitRepository, runGit } from '@hyperion/git';
import { StubHarness } from '@hyperion/harness';
import { runRequestPipeline } from '@hyperion/orchestrator';
import { MergeQueue, hyperionPaths, initializeWorkspace, loadConfig } from '@hyperion/queue';
import { HyperionError, type QueueEntry } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';
import { openSelectedStore } from '../store-access.js';
import { DEMO_REQUEST, writeDemoFiles } from './demo-repository.js';

/** What the demo did. */
export interface DemoResult {
  /** The demo's temporary repository (removed afterwards unless `kept`). */
  repository: string;
  /** True when the repository was kept for inspection (`--dir`). */
  kept: boolean;
  /** The target branch's commit after the run. */
  tip: string;
  /** The changes that landed: their commit and Hyperion trailers. */
  landed: Array<{
    change_id: string;
    task_id: string;
    paths: string[];
    commit: string;
    trailers: Record<string, string>;
  }>;
  /** The changes whose checks failed, with the reason and the check output. */
  quarantined: Array<{
    change_id: string;
    task_id: string;
    paths: string[];
    reason: string;
    check_output: string;
  }>;
  /** Every other entry, with its final state. */
  other: Array<{ change_id: string; state: string }>;
}

function prepareDirectory(directory: string | undefined): string {
  if (directory === undefined) return mkdtempSync(join(tmpdir(), 'hyperion-demo-'));
  const root = resolve(directory);
  if (existsSync(root) && readdirSync(root).length > 0) {
    throw new HyperionError('invalid_input', `--dir ${root}: the directory exists and is not empty`);
  }
  return root;
}

/**
 * The self-contained demo: a temporary git repository with a real test suite, a request with
 * four changes (one failing its check), three workers, and the outcome.
 */
export async function runDemo(
  options: { directory?: string; onProgress?: (line: string) => void } = {},
): Promise<DemoResult> {
  const root = prepareDirectory(options.directory);
  const progress = options.onProgress ?? (() => undefined);
  const repository = await GitRepository.init(root, { initialBranch: 'main' });
  writeDemoFiles(root);
  await runGit(['add', '-A'], { cwd: root });
  await runGit(
    ['-c', 'user.name=Demo', '-c', 'user.email=demo@localhost', 'commit', '-q', '-m', 'Demo calculator'],
    { cwd: root },
  );
  // The demo's queue is always its own SQLite file: HYPERION_DATABASE_URL and HYPERION_STORE_FILE
  // name a real queue, which the demo must never write into.
  const paths = hyperionPaths(repository.root, {});
  initializeWorkspace(paths, repository.gitDirectory, {
    config: {
      checks: [{ name: 'test', command: 'node --test', timeout_ms: 120_000 }],
      workers: 3,
      queue: { max_attempts: 2, backoff_base_ms: 100, backoff_max_ms: 500, poll_ms: 100 },
      // One assignment per file, so the failing change is not bundled with the good ones.
      orchestrator: { group_by: 'file' },
    },
  });
  const config = loadConfig(paths);
  const store = await openSelectedStore(
    { kind: 'sqlite', file: paths.databaseFile, location: paths.databaseFile },
    { create: true },
  );
  try {
    const queue = new MergeQueue({ store, repository, config, worktreesDirectory: paths.worktreesDirectory });
    queue.events.on('entry:landed', ({ entry, worker, commit }) =>
      progress(`  [${worker}] landed ${entry.task_id} as ${commit.slice(0, 12)}`),
    );
    queue.events.on('entry:retry_scheduled', ({ entry, reason }) =>
      progress(`  ${entry.task_id} will retry: ${reason}`),
    );
    queue.events.on('entry:finished', ({ entry }) =>
      progress(`  ${entry.task_id} ${entry.state}: ${entry.last_error ?? ''}`),
    );
    progress(`Demo repository: ${root}`);
    const outcome = await runRequestPipeline(DEMO_REQUEST, {
      repository,
      store,
      queue,
      harness: new StubHarness(),
      worktreesDirectory: paths.worktreesDirectory,
      // The demo shows the queue refusing a failing change; developers skip their pre-submit run.
      developerChecks: false,
    });
    progress(
      `Request ${outcome.request_id}: ${outcome.assignments.length} assignments, ${outcome.enqueued.length} change requests enqueued`,
    );
    progress(`Running ${config.workers} workers (check: node --test)…`);
    await queue.runWorkers({ mode: 'drain' });
    const entries = await Promise.all(outcome.enqueued.map((item) => store.requireEntry(item.change_id)));
    const result = await summarize(repository, store, entries, root, options.directory !== undefined);
    return result;
  } finally {
    await store.close();
    if (options.directory === undefined) rmSync(root, { recursive: true, force: true });
  }
}

async function summarize(
  repository: GitRepository,
  store: HyperionStore,
  entries: QueueEntry[],
  root: string,
  kept: boolean,
): Promise<DemoResult> {
  const result: DemoResult = {
    repository: root,
    kept,
    tip: await repository.requireBranch('main'),
    landed: [],
    quarantined: [],
    other: [],
  };
  for (const entry of entries) {
    if (entry.state === 'landed' && entry.landed_commit !== null) {
      const trailers = Object.fromEntries(
        (await repository.readTrailers(entry.landed_commit)).map((trailer) => [trailer.key, trailer.value]),
      );
      result.landed.push({
        change_id: entry.id,
        task_id: entry.task_id,
        paths: entry.paths,
        commit: entry.landed_commit,
        trailers,
      });
    } else if (entry.state === 'quarantined') {
      const failedCheck = (await store.listEvents({ entryId: entry.id }))
        .filter((event) => event.type === 'check:failed')
        .at(-1);
      result.quarantined.push({
        change_id: entry.id,
        task_id: entry.task_id,
        paths: entry.paths,
        reason: entry.last_error ?? '',
        check_output: String(failedCheck?.data['output'] ?? ''),
      });
    } else {
      result.other.push({ change_id: entry.id, state: entry.state });
    }
  }
  return result;
}
