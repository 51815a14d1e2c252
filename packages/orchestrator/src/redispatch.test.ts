import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { StubHarness, type AgentHarnessV1, type AgentRunRequest, type AgentUsage } from '@hyperion/harness';
import { HyperionError, TaskRequestSchema, type HyperionConfigInput } from '@hyperion/schema';
import { redispatchConflictedEntry } from './redispatch.js';
import { runRequestPipeline } from './request-pipeline.js';
import { createPipelineSetup, type PipelineSetup } from './testing/pipeline-setup.js';

let setup: PipelineSetup | undefined;

afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

/** The stub, recording each request it gets (and reporting `usage` for each run, when given). */
function recordingStub(usage?: AgentUsage): AgentHarnessV1 & { requests: AgentRunRequest[] } {
  const stub = new StubHarness();
  const requests: AgentRunRequest[] = [];
  return {
    specificationVersion: stub.specificationVersion,
    harnessId: stub.harnessId,
    requests,
    run: async (request) => {
      requests.push(request);
      const result = await stub.run(request);
      return usage === undefined ? result : { ...result, usage };
    },
  };
}

/** Enqueues a change of a.txt, lets a person change the same line on main, and runs the queue: the entry conflicts. */
async function conflictedEntry(config: HyperionConfigInput = {}, usage?: AgentUsage) {
  setup = await createPipelineSetup({ 'a.txt': 'one\ntwo\nthree\n' }, config);
  const harness = recordingStub(usage);
  const outcome = await runRequestPipeline(
    TaskRequestSchema.parse({
      request_id: 'R-X',
      summary: 'change line two',
      requested_changes: [{ path: 'a.txt', content: 'one\nTWO\nthree\n' }],
    }),
    {
      repository: setup.temporary.repository,
      store: setup.store,
      queue: setup.queue,
      harness,
      worktreesDirectory: setup.worktreesDirectory,
    },
  );
  writeFileSync(join(setup.temporary.root, 'a.txt'), 'one\nzwei\nthree\n');
  await runGit(['commit', '-qam', 'a person edits line two'], { cwd: setup.temporary.root });
  await setup.queue.runWorkers({ mode: 'drain' });
  const entry = await setup.store.requireEntry(outcome.enqueued[0]!.change_id);
  expect(entry.state).toBe('conflicted');
  return { current: setup, harness, entry };
}

async function failure(run: Promise<unknown>): Promise<HyperionError> {
  try {
    await run;
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('redispatchConflictedEntry', () => {
  it('reruns the developer on the new tip with the conflict report in its prompt, and the new change lands', async () => {
    const { current, harness, entry } = await conflictedEntry();
    const tip = await current.temporary.repository.requireBranch('main');
    const options = {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness,
      worktreesDirectory: current.worktreesDirectory,
    };
    const result = await redispatchConflictedEntry(entry.id, options);
    expect(result.outcome).toBe('resubmitted');
    if (result.outcome !== 'resubmitted') return;
    const prompt = harness.requests.at(-1)!.prompt;
    expect(prompt).toContain(`conflicted with main: it does not apply on ${tip}`);
    expect(prompt).toContain('Conflict report (JSON):');
    expect(prompt).toContain('"intervening_commits"');
    expect(result.entry).toMatchObject({
      request_id: 'R-X',
      task_id: 'R-X-1',
      base_commit: tip,
      state: 'queued',
    });
    const enqueued = (await current.store.listEvents({ entryId: result.entry.id }))[0]!;
    expect(enqueued.data).toMatchObject({ source: 'redispatch', redispatch_of: entry.id, redispatch: 1 });
    await current.queue.runWorkers({ mode: 'drain' });
    expect((await current.store.requireEntry(result.entry.id)).state).toBe('landed');
    expect(readFileSync(join(current.temporary.root, 'a.txt'), 'utf8')).toBe('one\nTWO\nthree\n');
    expect(
      (await current.store.listAssignmentRuns({ taskId: 'R-X-1' })).map((run) => [
        run.attempt,
        run.change_id,
      ]),
    ).toEqual([
      [1, entry.id],
      [2, result.entry.id],
    ]);
    await expect(redispatchConflictedEntry(result.entry.id, options)).rejects.toThrow(
      `entry ${result.entry.id} is landed, not conflicted`,
    );
  });

  it('quarantines the entry once max_redispatch re-dispatches are used up', async () => {
    const { current, harness, entry } = await conflictedEntry({ orchestrator: { max_redispatch: 0 } });
    const result = await redispatchConflictedEntry(entry.id, {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness,
      worktreesDirectory: current.worktreesDirectory,
    });
    expect(result.outcome).toBe('quarantined');
    expect(await current.store.requireEntry(entry.id)).toMatchObject({
      state: 'quarantined',
      last_error: 'conflicted after 0 re-dispatch(es); the limit is 0 (orchestrator.max_redispatch)',
    });
    expect((await current.store.listEvents({ entryId: entry.id })).at(-1)).toMatchObject({
      type: 'entry:quarantined',
      from_state: 'conflicted',
      to_state: 'quarantined',
    });
    expect((await current.store.listAssignments('R-X'))[0]?.status).toBe('failed');
  });

  it('re-dispatches nothing once the request has spent its budget, and quarantines the entry with the spending', async () => {
    // The first developer run uses exactly the budget: its change stands, and nothing is left.
    const { current, harness, entry } = await conflictedEntry(
      { orchestrator: { request_budget: { max_tokens: 120 } } },
      { inputTokens: 80, cachedInputTokens: 30, outputTokens: 40, reported: true },
    );
    const runsBefore = harness.requests.length;
    const result = await redispatchConflictedEntry(entry.id, {
      store: current.store,
      queue: current.queue,
      repository: current.temporary.repository,
      harness,
      worktreesDirectory: current.worktreesDirectory,
    });
    expect(result.outcome).toBe('quarantined');
    expect(harness.requests.length).toBe(runsBefore);
    const reason =
      "not re-dispatched: the request's budget is spent: 120 tokens of its 120 (spent: 80 input tokens of which 30 cached, 40 output tokens";
    expect((await current.store.requireEntry(entry.id)).last_error).toContain(reason);
    expect(await current.store.getRequest('R-X')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining(reason),
    });
    expect((await current.store.listEvents({ entryId: entry.id })).at(-1)).toMatchObject({
      type: 'entry:quarantined',
      data: {
        budget_spent: true,
        spending: { input_tokens: 80, cached_input_tokens: 30, output_tokens: 40 },
      },
    });
  });

  it('refuses an entry that was not submitted by a request', async () => {
    const { current, entry } = await conflictedEntry();
    const direct = await current.queue.submit({
      task_id: 'manual',
      agent: 'human',
      changes: [{ path: 'a.txt', operation: 'update', patch: entry.patch }],
    });
    await current.store.transition(direct.id, { from: 'queued', to: 'conflicted', type: 'entry:conflicted' });
    const error = await failure(
      redispatchConflictedEntry(direct.id, {
        store: current.store,
        queue: current.queue,
        repository: current.temporary.repository,
        harness: new StubHarness(),
        worktreesDirectory: current.worktreesDirectory,
      }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/was submitted directly, not by a request/);
  });
});
