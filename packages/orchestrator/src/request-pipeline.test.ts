import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { HARNESS_SPECIFICATION_VERSION, StubHarness, type AgentHarnessV1 } from '@hyperion/harness';
import { MergeQueue } from '@hyperion/queue';
import {
  HyperionConfigSchema,
  HyperionError,
  TaskRequestSchema,
  type TaskRequestInput,
} from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { runRequestPipeline } from './request-pipeline.js';

interface Setup {
  temporary: TemporaryRepository;
  store: SqliteStore;
  queue: MergeQueue;
  worktreesDirectory: string;
}

let setup: Setup | undefined;

afterEach(async () => {
  await setup?.store.close();
  await setup?.temporary.cleanup();
  setup = undefined;
});

async function createSetup(files: Record<string, string>): Promise<Setup> {
  const temporary = await createTemporaryRepository({ files });
  const store = SqliteStore.open(join(temporary.root, '.hyperion', 'hyperion.db'), { create: true });
  const worktreesDirectory = join(temporary.root, '.hyperion', 'worktrees');
  const config = HyperionConfigSchema.parse({ queue: { backoff_base_ms: 10, poll_ms: 20 } });
  const queue = new MergeQueue({ store, repository: temporary.repository, config, worktreesDirectory });
  setup = { temporary, store, queue, worktreesDirectory };
  return setup;
}

function request(input: TaskRequestInput) {
  return TaskRequestSchema.parse(input);
}

async function failure(run: Promise<unknown>): Promise<HyperionError> {
  try {
    await run;
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the pipeline to fail');
}

describe('runRequestPipeline with the stub agent', () => {
  it('makes one assignment per requested change, diffs each worktree into a change request, and lands them', async () => {
    const { temporary, store, queue, worktreesDirectory } = await createSetup({
      'a.txt': 'a\n',
      'docs/b.md': 'b\n',
    });
    const outcome = await runRequestPipeline(
      request({
        request_id: 'R-1',
        summary: 'Two edits and a new file',
        requested_changes: [
          { path: 'a.txt', content: 'A\n' },
          { path: 'docs/b.md', diff: '--- a/docs/b.md\n+++ b/docs/b.md\n@@ -1 +1 @@\n-b\n+B\n' },
          { path: 'src/new.ts', operation: 'create', content: 'export const x = 1;\n' },
        ],
      }),
      { repository: temporary.repository, store, queue, harness: new StubHarness(), worktreesDirectory },
    );
    expect(outcome.assignments.map((assignment) => [assignment.task_id, assignment.files])).toEqual([
      ['R-1-1', ['a.txt']],
      ['R-1-2', ['docs/b.md']],
      ['R-1-3', ['src/new.ts']],
    ]);
    expect(outcome.enqueued.map((item) => item.paths)).toEqual([['a.txt'], ['docs/b.md'], ['src/new.ts']]);
    const entry = await store.requireEntry(outcome.enqueued[0]!.change_id);
    expect(entry).toMatchObject({
      request_id: 'R-1',
      task_id: 'R-1-1',
      base_commit: outcome.base_commit,
      agent: 'stub',
    });
    expect((await store.getRequest('R-1'))?.status).toBe('enqueued');
    expect(await temporary.repository.listWorktrees()).toHaveLength(1);
    await queue.runWorkers({ mode: 'drain' });
    expect((await store.listEntries()).map((item) => item.state)).toEqual(['landed', 'landed', 'landed']);
    expect(readFileSync(join(temporary.root, 'docs/b.md'), 'utf8')).toBe('B\n');
    expect(readFileSync(join(temporary.root, 'src/new.ts'), 'utf8')).toBe('export const x = 1;\n');
  });

  it('says plainly that the stub cannot write a change without an explicit edit, and enqueues nothing', async () => {
    const { temporary, store, queue, worktreesDirectory } = await createSetup({ 'README.md': '# readme\n' });
    const sample = JSON.parse(
      readFileSync(
        new URL('../../../test-support/compat/original-sample-request.json', import.meta.url),
        'utf8',
      ),
    ) as unknown;
    const error = await failure(
      runRequestPipeline(TaskRequestSchema.parse(sample), {
        repository: temporary.repository,
        store,
        queue,
        harness: new StubHarness(),
        worktreesDirectory,
      }),
    );
    expect(error.code).toBe('stub_cannot_write');
    expect(error.message).toMatch(/REQ-9001-1: the stub agent cannot write/);
    expect(await store.listEntries()).toEqual([]);
    expect(await store.getRequest('REQ-9001')).toMatchObject({ status: 'failed' });
    expect(await store.listAssignments('REQ-9001')).toEqual([
      expect.objectContaining({ task_id: 'REQ-9001-1', status: 'failed' }),
    ]);
  });

  it('creates the file the compat new-file request names by path alone: the developer is told create, and it lands', async () => {
    const { temporary, store, queue, worktreesDirectory } = await createSetup({ 'README.md': '# readme\n' });
    const sample = JSON.parse(
      readFileSync(
        new URL('../../../test-support/compat/original-sample-new-file-request.json', import.meta.url),
        'utf8',
      ),
    ) as unknown;
    const edits: unknown[] = [];
    const writer: AgentHarnessV1 = {
      specificationVersion: HARNESS_SPECIFICATION_VERSION,
      harnessId: 'writer',
      run: async (run) => {
        edits.push(...((run.metadata?.['edits'] as unknown[] | undefined) ?? []));
        mkdirSync(join(run.workingDirectory, 'docs'), { recursive: true });
        writeFileSync(join(run.workingDirectory, 'docs', 'CHANGELOG.md'), '# Changelog\n');
        return { status: 'ok', text: 'done', usage: { reported: false }, durationMs: 1 };
      },
    };
    const outcome = await runRequestPipeline(TaskRequestSchema.parse(sample), {
      repository: temporary.repository,
      store,
      queue,
      harness: writer,
      worktreesDirectory,
      planWithModel: false,
    });
    expect(edits).toEqual([expect.objectContaining({ path: 'docs/CHANGELOG.md', operation: 'create' })]);
    expect(outcome.enqueued.map((item) => item.paths)).toEqual([['docs/CHANGELOG.md']]);
    expect((await store.getRequest('REQ-9003'))?.body).toMatchObject({
      requested_changes: [{ path: 'docs/CHANGELOG.md', operation: 'create' }],
      scope: { target_files: [{ path: 'docs/CHANGELOG.md', exists: false }] },
    });
    await queue.runWorkers({ mode: 'drain' });
    expect((await store.listEntries()).map((item) => item.state)).toEqual(['landed']);
    expect(readFileSync(join(temporary.root, 'docs', 'CHANGELOG.md'), 'utf8')).toBe('# Changelog\n');
  });

  it('catches an agent that edits a file outside its assignment, and enqueues nothing from the request', async () => {
    const { temporary, store, queue, worktreesDirectory } = await createSetup({
      'a.txt': 'a\n',
      'b.txt': 'b\n',
    });
    const straying: AgentHarnessV1 = {
      specificationVersion: HARNESS_SPECIFICATION_VERSION,
      harnessId: 'straying',
      run: async (run) => {
        writeFileSync(join(run.workingDirectory, 'a.txt'), 'A\n');
        writeFileSync(join(run.workingDirectory, 'secret.txt'), 'not mine\n');
        return { status: 'ok', text: 'done', usage: { reported: false }, durationMs: 1 };
      },
    };
    const error = await failure(
      runRequestPipeline(
        request({
          request_id: 'R-2',
          summary: 's',
          requested_changes: [
            { path: 'a.txt', summary: 'upper-case it' },
            { path: 'b.txt', content: 'B\n' },
          ],
        }),
        { repository: temporary.repository, store, queue, harness: straying, worktreesDirectory },
      ),
    );
    expect(error.code).toBe('unsafe_path');
    expect(error.message).toMatch(/outside its assignment: secret\.txt/);
    expect(await store.listEntries()).toEqual([]);
  });

  it('stops a request naming a near miss of an existing file, with the open question, and stores nothing', async () => {
    const { temporary, store, queue, worktreesDirectory } = await createSetup({ 'a.txt': 'a\n' });
    const error = await failure(
      runRequestPipeline(
        request({ request_id: 'R-3', summary: 's', requested_changes: [{ path: 'A.txt', diff: 'x' }] }),
        {
          repository: temporary.repository,
          store,
          queue,
          harness: new StubHarness(),
          worktreesDirectory,
        },
      ),
    );
    expect(error.message).toMatch(/'A\.txt' does not exist at the base commit, but 'a\.txt' does/);
    expect(await store.getRequest('R-3')).toBeUndefined();
  });

  it('merges requester assignments whose file ownership overlaps into one', async () => {
    const { temporary, store, queue, worktreesDirectory } = await createSetup({
      'a.txt': 'a\n',
      'b.txt': 'b\n',
    });
    const outcome = await runRequestPipeline(
      request({
        request_id: 'R-4',
        summary: 's',
        requested_changes: [
          { path: 'a.txt', content: 'A\n' },
          { path: 'b.txt', content: 'B\n' },
        ],
        assignments: [
          { task_id: 'x', parent_request_id: 'R-4', summary: 'x', file_targets: ['a.txt'] },
          { task_id: 'y', parent_request_id: 'R-4', summary: 'y', file_targets: ['a.txt', 'b.txt'] },
        ],
      }),
      { repository: temporary.repository, store, queue, harness: new StubHarness(), worktreesDirectory },
    );
    expect(outcome.assignments.map((item) => [item.task_id, item.files])).toEqual([
      ['x', ['a.txt', 'b.txt']],
    ]);
    expect(outcome.enqueued.map((item) => item.paths)).toEqual([['a.txt', 'b.txt']]);
  });
});
