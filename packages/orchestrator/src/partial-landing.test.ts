import { afterEach, describe, expect, it } from 'vitest';
import { StubHarness } from '@hyperion/harness';
import { runGit } from '@hyperion/git';
import {
  HyperionError,
  TaskRequestSchema,
  type HyperionConfigInput,
  type TaskRequestInput,
} from '@hyperion/schema';
import { requestHistory } from '@hyperion/store';
import { runRequestPipeline } from './request-pipeline.js';
import { createPipelineSetup, type PipelineSetup } from './testing/pipeline-setup.js';

let setup: PipelineSetup | undefined;

afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

/** a.txt gets explicit content (the stub writes it); b.txt only a summary (the stub cannot write it). */
function request(extra: Partial<TaskRequestInput> = {}) {
  return TaskRequestSchema.parse({
    request_id: 'R-P',
    summary: 'one good edit, one the stub cannot write',
    requested_changes: [
      { path: 'a.txt', content: 'A\n' },
      { path: 'b.txt', summary: 'rewrite b in prose' },
    ],
    ...extra,
  });
}

async function pipeline(config: HyperionConfigInput, extra: Partial<TaskRequestInput> = {}) {
  setup = await createPipelineSetup(
    { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    { ...config, orchestrator: { group_by: 'file', ...config.orchestrator } },
  );
  const current = setup;
  const run = runRequestPipeline(request(extra), {
    repository: current.temporary.repository,
    store: current.store,
    queue: current.queue,
    harness: new StubHarness(),
    worktreesDirectory: current.worktreesDirectory,
  });
  return { current, run };
}

describe('partial landing', () => {
  it('by default enqueues nothing when one developer fails, and says why for every assignment', async () => {
    const { current, run } = await pipeline({});
    const error = await run.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(HyperionError.isInstance(error) && error.code).toBe('stub_cannot_write');
    expect(await current.store.listEntries({ requestId: 'R-P' })).toEqual([]);
    const [history] = await requestHistory(current.store);
    expect(history!.status).toBe('failed');
    expect(history!.assignments.map((assignment) => [assignment.files[0], assignment.outcome])).toEqual([
      ['a.txt', 'failed'],
      ['b.txt', 'failed'],
    ]);
    expect(history!.assignments[0]!.reason).toBe(
      'not enqueued: 1 other assignment(s) of the request failed (on_partial_failure: all_or_nothing)',
    );
    expect(history!.assignments[1]!.reason).toContain('R-P-2');
  });

  it('with on_partial_failure: land_succeeded in the request, lands the good part and reports the rest', async () => {
    const { current, run } = await pipeline({}, { on_partial_failure: 'land_succeeded' });
    const outcome = await run;
    expect(outcome.enqueued.map((item) => item.paths)).toEqual([['a.txt']]);
    expect(outcome.failed).toEqual([
      { task_id: 'R-P-2', code: 'stub_cannot_write', message: expect.stringContaining('R-P-2') },
    ]);
    await current.queue.runWorkers({ mode: 'drain' });
    const root = current.temporary.root;
    expect((await runGit(['show', 'main:a.txt'], { cwd: root })).stdout).toBe('A\n');
    expect((await runGit(['show', 'main:b.txt'], { cwd: root })).stdout).toBe('b\n');
    const [history] = await requestHistory(current.store);
    expect(history).toMatchObject({ id: 'R-P', status: 'partial', on_partial_failure: 'land_succeeded' });
    expect(history!.error).toMatch(
      /^1 of 2 assignment\(s\) failed and were not enqueued \(on_partial_failure: land_succeeded\): R-P-2: /,
    );
    expect(history!.outcome).toEqual({ landed: 1 });
    expect(
      history!.assignments.map((assignment) => ({
        file: assignment.files[0],
        outcome: assignment.outcome,
        failed: assignment.reason !== null,
      })),
    ).toEqual([
      { file: 'a.txt', outcome: 'landed', failed: false },
      { file: 'b.txt', outcome: 'failed', failed: true },
    ]);
    expect(history!.assignments[1]!.reason).toBe(outcome.failed[0]!.message);
    // Both developer runs are stored, the failed one with its status.
    expect(history!.assignments.map((assignment) => assignment.runs.map((item) => item.status))).toEqual([
      ['ok'],
      ['failed'],
    ]);
  });

  it('takes the policy from the configuration, and the request can ask for all or nothing against it', async () => {
    const configured = await pipeline({ orchestrator: { on_partial_failure: 'land_succeeded' } });
    expect((await configured.run).enqueued).toHaveLength(1);
    await setup!.cleanup();
    setup = undefined;
    const overridden = await pipeline(
      { orchestrator: { on_partial_failure: 'land_succeeded' } },
      { on_partial_failure: 'all_or_nothing' },
    );
    await expect(overridden.run).rejects.toMatchObject({ code: 'stub_cannot_write' });
    expect(await overridden.current.store.listEntries({ requestId: 'R-P' })).toEqual([]);
  });

  it('fails the request when every developer fails, whatever the policy', async () => {
    setup = await createPipelineSetup(
      { 'b.txt': 'b\n' },
      { orchestrator: { on_partial_failure: 'land_succeeded' } },
    );
    await expect(
      runRequestPipeline(
        TaskRequestSchema.parse({
          request_id: 'R-Q',
          summary: 'nothing the stub can write',
          requested_changes: [{ path: 'b.txt', summary: 'rewrite b' }],
        }),
        {
          repository: setup.temporary.repository,
          store: setup.store,
          queue: setup.queue,
          harness: new StubHarness(),
          worktreesDirectory: setup.worktreesDirectory,
        },
      ),
    ).rejects.toMatchObject({ code: 'stub_cannot_write' });
    const [history] = await requestHistory(setup.store);
    expect(history!.status).toBe('failed');
  });
});
