import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StubHarness } from '@hyperion/harness';
import {
  HyperionError,
  TaskRequestSchema,
  type HyperionConfigInput,
  type TaskRequestInput,
} from '@hyperion/schema';
import { requestHistory } from '@hyperion/store';
import { runRequestPipeline, type RequestPipelineOptions } from './request-pipeline.js';
import { createPipelineSetup, ScriptedAgent, type PipelineSetup } from './testing/pipeline-setup.js';

let setup: PipelineSetup | undefined;

afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

async function start(files: Record<string, string>, config: HyperionConfigInput = {}) {
  setup = await createPipelineSetup(files, config);
  return setup;
}

function options(
  current: PipelineSetup,
  extra: Partial<RequestPipelineOptions> = {},
): RequestPipelineOptions {
  return {
    repository: current.temporary.repository,
    store: current.store,
    queue: current.queue,
    harness: new StubHarness(),
    worktreesDirectory: current.worktreesDirectory,
    ...extra,
  };
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

const request = (input: TaskRequestInput) => TaskRequestSchema.parse(input);

const PLAN = (approval: string) =>
  `## Plan Metadata\nApproval pattern: ^Approved:[[:space:]]+yes$\nRequired sections: Intent, Approval\nValidation policy: test -f a.txt; grep -q A a.txt\n\n## Intent\nEdit.\n\n## Approval\n${approval}\n`;

describe('budgets, checks and the plan gate in the request pipeline', () => {
  it('treats a run whose reported usage exceeds max_tokens as budget-exceeded, records its usage, enqueues nothing', async () => {
    const current = await start({ 'a.txt': 'a\n' }, { agent: { max_tokens: 500 } });
    const harness = new ScriptedAgent({
      developer: (run) => {
        writeFileSync(join(run.workingDirectory, 'a.txt'), 'A\n');
        return { usage: { reported: true, inputTokens: 900, outputTokens: 100 } };
      },
    });
    const error = await failure(
      runRequestPipeline(
        request({ request_id: 'R-B', summary: 'edit', requested_changes: [{ path: 'a.txt', summary: 'x' }] }),
        options(current, { harness, planWithModel: false }),
      ),
    );
    expect(error.code).toBe('agent_failed');
    expect(error.message).toBe(
      'R-B-1: the run used 1000 tokens, over its budget of 500; the output is not trusted',
    );
    expect(harness.requests[0]!.budget).toMatchObject({ maxTokens: 500, timeoutMs: 600_000 });
    expect(await current.store.listEntries()).toEqual([]);
    expect(await current.store.listAssignmentRuns({ requestId: 'R-B' })).toEqual([
      expect.objectContaining({
        task_id: 'R-B-1',
        status: 'budget-exceeded',
        input_tokens: 900,
        output_tokens: 100,
      }),
    ]);
    expect((await current.store.listAssignments('R-B'))[0]).toMatchObject({ status: 'failed' });
  });

  it('stops a developer that outlives its timeout, even one that ignores the abort signal', async () => {
    const current = await start({ 'a.txt': 'a\n' }, { agent: { timeout_ms: 100 } });
    const harness = new ScriptedAgent({ developer: () => new Promise(() => undefined) });
    const started = Date.now();
    const error = await failure(
      runRequestPipeline(
        request({ request_id: 'R-T', summary: 'edit', requested_changes: [{ path: 'a.txt', summary: 'x' }] }),
        options(current, { harness, planWithModel: false }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toMatch(/R-T-1: the run passed its 100 ms budget and did not stop/);
    expect((await current.store.listAssignmentRuns({ requestId: 'R-T' }))[0]?.status).toBe('timed-out');
  });

  it('runs the checks in the developer worktree and fails the assignment with the check output', async () => {
    const current = await start({ 'a.txt': 'a\n' });
    const error = await failure(
      runRequestPipeline(
        request({
          request_id: 'R-C',
          summary: 'edit',
          requested_changes: [{ path: 'a.txt', content: 'b\n' }],
          checks: ['echo checking; grep -q A a.txt || { echo "a.txt has no A" >&2; exit 3; }'],
        }),
        options(current),
      ),
    );
    expect(error.code).toBe('agent_failed');
    expect(error.message).toMatch(
      /R-C-1: check '.*' failed in the developer worktree \(exit 3\): checking \| a\.txt has no A/,
    );
    expect(error.details['status']).toBe('checks-failed');
    expect(await current.store.listEntries()).toEqual([]);
    expect((await current.store.listAssignments('R-C'))[0]?.error).toMatch(/a\.txt has no A/);
  });

  it("runs a developer's checks in the queue's configured minimal environment, never with the worker's credentials", async () => {
    const current = await start(
      { 'a.txt': 'a\n' },
      { check_environment: { set: { CHECK_MARKER: 'configured' } } },
    );
    const saved = process.env['GITHUB_TOKEN'];
    process.env['GITHUB_TOKEN'] = 'ghp_developercheckleak000000000000000000';
    try {
      const error = await failure(
        runRequestPipeline(
          request({
            request_id: 'R-E',
            summary: 'edit',
            requested_changes: [{ path: 'a.txt', content: 'b\n' }],
            checks: ['echo "marker=$CHECK_MARKER token=${GITHUB_TOKEN:-none}"; exit 4'],
          }),
          options(current),
        ),
      );
      expect(error.message).toMatch(/marker=configured token=none/);
    } finally {
      if (saved === undefined) delete process.env['GITHUB_TOKEN'];
      else process.env['GITHUB_TOKEN'] = saved;
    }
  });

  it('refuses to dispatch while the plan is unapproved, storing nothing', async () => {
    const current = await start(
      { 'a.txt': 'a\n', 'PLAN.md': PLAN('Approved: not yet') },
      { plan: { file: 'PLAN.md' } },
    );
    const error = await failure(
      runRequestPipeline(
        request({
          request_id: 'R-P',
          summary: 'edit',
          requested_changes: [{ path: 'a.txt', content: 'A\n' }],
        }),
        options(current),
      ),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^the plan PLAN\.md blocks dispatch: PLAN\.md:9: the plan is not approved/);
    expect(await current.store.getRequest('R-P')).toBeUndefined();
    expect(await current.temporary.repository.listWorktrees()).toHaveLength(1);
  });

  it("makes an approved plan's validation policy the assignments' checks, and runs them", async () => {
    const current = await start(
      { 'a.txt': 'a\n', 'PLAN.md': PLAN('Approved: yes') },
      { plan: { file: 'PLAN.md' } },
    );
    const outcome = await runRequestPipeline(
      request({
        request_id: 'R-OK',
        summary: 'edit',
        requested_changes: [{ path: 'a.txt', content: 'A\n' }],
        checks: ['false'],
      }),
      options(current),
    );
    expect(outcome.assignments[0]!.checks).toEqual(['test -f a.txt', 'grep -q A a.txt']);
    expect(outcome.planning.checks_source).toBe('plan');
    expect((await requestHistory(current.store))[0]).toMatchObject({ id: 'R-OK', status: 'enqueued' });
  });

  it('asks open questions through answerQuestions and goes ahead with the answers', async () => {
    const current = await start({ 'a.txt': 'a\n' });
    const asked: string[] = [];
    const outcome = await runRequestPipeline(
      request({
        request_id: 'R-Q',
        summary: 'edit',
        requested_changes: [{ path: 'new.txt', content: 'n\n', operation: 'update' }],
      }),
      options(current, {
        answerQuestions: async (questions) => {
          asked.push(...questions.map((question) => question.question));
          return ['yes'];
        },
      }),
    );
    expect(asked).toEqual([
      `'new.txt' does not exist at the base commit: should it be created (operation "create")? Its operation "update" needs an existing file.`,
    ]);
    expect(outcome.enqueued[0]!.paths).toEqual(['new.txt']);
  });
});
