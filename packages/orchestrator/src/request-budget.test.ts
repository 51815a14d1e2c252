import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError, TaskRequestSchema, type TaskRequestInput } from '@hyperion/schema';
import { requestHistory } from '@hyperion/store';
import { runRequestPipeline } from './request-pipeline.js';
import { budgetAgent, processAlive, type BudgetAgent, type BudgetAgentStep } from './testing/budget-agent.js';
import { createPipelineSetup, type PipelineSetup } from './testing/pipeline-setup.js';

let setup: PipelineSetup | undefined;
let agent: BudgetAgent | undefined;

afterEach(async () => {
  await setup?.cleanup();
  agent?.cleanup();
  setup = undefined;
  agent = undefined;
});

async function failure(run: Promise<unknown>): Promise<HyperionError> {
  try {
    await run;
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the pipeline to fail');
}

/** Whether `pid` is gone, given the kernel a moment to finish a process it was already killing. */
async function gone(pid: number): Promise<boolean> {
  for (let tries = 0; tries < 100 && processAlive(pid); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !processAlive(pid);
}

async function runWith(
  plan: Record<string, BudgetAgentStep>,
  request: TaskRequestInput,
  options: {
    developers?: number;
    planWithModel?: boolean;
    config?: Parameters<typeof createPipelineSetup>[1];
  } = {},
) {
  setup = await createPipelineSetup({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' }, options.config);
  agent = budgetAgent(plan);
  const current = setup;
  const run = runRequestPipeline(TaskRequestSchema.parse(request), {
    repository: current.temporary.repository,
    store: current.store,
    queue: current.queue,
    harness: agent.harness,
    worktreesDirectory: current.worktreesDirectory,
    developerConcurrency: options.developers ?? 2,
    planWithModel: options.planWithModel ?? false,
    developerChecks: false,
  });
  return { current, run };
}

const THREE_FILES = [
  { path: 'a.txt', summary: 'edit a' },
  { path: 'b.txt', summary: 'edit b' },
  { path: 'c.txt', summary: 'edit c' },
];

describe('request budgets', () => {
  it('stops the running developers once the request spends its tokens, starts no further run, and fails with the spending', async () => {
    const { current, run } = await runWith(
      {
        // a overlaps b, then reports usage over the whole request's budget and hangs: the harness stops it.
        'a.txt': {
          waitFor: 'b.txt',
          usage: [{ input_tokens: 700, cached_input_tokens: 300, output_tokens: 400 }],
          hang: true,
        },
        // b hangs (with a grandchild): only the request budget can stop it.
        'b.txt': { hang: true },
        'c.txt': { write: 'C\n' },
      },
      {
        request_id: 'R-B1',
        summary: 'three edits on a small budget',
        requested_changes: THREE_FILES,
        budget: { max_tokens: 1000 },
      },
      { config: { orchestrator: { group_by: 'file' } } },
    );
    const error = await failure(run);
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toContain('R-B1');
    expect(error.message).toContain('1100 tokens of its 1000');
    expect(error.message).toContain('700 input tokens of which 300 cached, 400 output tokens');
    expect(error.details['spending']).toMatchObject({
      input_tokens: 700,
      cached_input_tokens: 300,
      output_tokens: 400,
    });
    // The real agent processes are gone, grandchild included; the third developer never started.
    const a = agent!.started('a.txt')!;
    const b = agent!.started('b.txt')!;
    expect(a).toBeDefined();
    expect(b.child).toBeGreaterThan(0);
    for (const pid of [a.pid, a.child!, b.pid, b.child!]) expect(await gone(pid)).toBe(true);
    expect(agent!.started('c.txt')).toBeUndefined();
    // Stored: the request failed with the spending, every assignment with why, the raw counts per run.
    const [history] = await requestHistory(current.store);
    expect(history).toMatchObject({ id: 'R-B1', status: 'failed', budget: { max_tokens: 1000 } });
    expect(history!.error).toContain("the request's budget is spent: 1100 tokens of its 1000");
    expect(history!.usage).toMatchObject({
      input_tokens: 700,
      cached_input_tokens: 300,
      output_tokens: 400,
      runs: 2,
    });
    const byTask = new Map(history!.assignments.map((assignment) => [assignment.files[0], assignment]));
    expect(byTask.get('a.txt')).toMatchObject({ outcome: 'failed' });
    expect(byTask.get('a.txt')!.runs).toEqual([
      expect.objectContaining({
        status: 'budget-exceeded',
        input_tokens: 700,
        output_tokens: 400,
        cached_input_tokens: 300,
      }),
    ]);
    expect(byTask.get('b.txt')!.runs).toEqual([
      expect.objectContaining({
        status: 'budget-exceeded',
        error: expect.stringMatching(/^R-B1-2: stopped: the request's budget is spent/),
      }),
    ]);
    expect(byTask.get('c.txt')).toMatchObject({ outcome: 'failed', runs: [] });
    expect(byTask.get('c.txt')!.reason).toContain("the request's budget is spent");
    expect(await current.store.listEntries({ requestId: 'R-B1' })).toEqual([]);
  });

  it('counts the planning runs: an engineer that spends the budget leaves no developer to start', async () => {
    const { current, run } = await runWith(
      {
        engineer: { usage: [{ input_tokens: 900, output_tokens: 200 }], answer: 'not json' },
        'a.txt': { write: 'A\n' },
      },
      {
        request_id: 'R-B2',
        summary: 'one edit',
        requested_changes: [{ path: 'a.txt', summary: 'edit a' }],
      },
      { planWithModel: true, config: { orchestrator: { request_budget: { max_tokens: 1000 } } } },
    );
    const error = await failure(run);
    expect(error.code).toBe('budget_exceeded');
    expect(agent!.started('engineer')).toBeDefined();
    expect(agent!.started('orchestrator')).toBeUndefined();
    expect(agent!.started('a.txt')).toBeUndefined();
    const [history] = await requestHistory(current.store);
    expect(history).toMatchObject({ status: 'failed', budget: { max_tokens: 1000 } });
    expect(history!.planning_runs).toEqual([
      expect.objectContaining({
        role: 'engineer',
        status: 'budget-exceeded',
        input_tokens: 900,
        output_tokens: 200,
      }),
    ]);
    expect(history!.assignments.map((assignment) => assignment.outcome)).toEqual(['failed']);
  });

  it('stops a hanging developer when the request passes its wall time', async () => {
    const { current, run } = await runWith(
      { 'a.txt': { hang: true } },
      {
        request_id: 'R-B3',
        summary: 'one edit that never ends',
        requested_changes: [{ path: 'a.txt', summary: 'edit a' }],
        budget: { timeout_ms: 2500 },
      },
    );
    const error = await failure(run);
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toContain('of its 2500 ms wall time');
    const a = agent!.started('a.txt')!;
    for (const pid of [a.pid, a.child!]) expect(await gone(pid)).toBe(true);
    const [history] = await requestHistory(current.store);
    expect(history!.assignments[0]!.runs).toEqual([expect.objectContaining({ status: 'budget-exceeded' })]);
  });

  it('takes the smaller of the request budget and the configured one, and reports the spending of a request within it', async () => {
    const { current, run } = await runWith(
      {
        'a.txt': { write: 'A\n', usage: [{ input_tokens: 100, cached_input_tokens: 40, output_tokens: 20 }] },
        'b.txt': { write: 'B\n', usage: [{ input_tokens: 50, output_tokens: 10, credits: 1 }] },
      },
      {
        request_id: 'R-B4',
        summary: 'two edits within budget',
        requested_changes: THREE_FILES.slice(0, 2),
        budget: { max_tokens: 5000, max_credits: 3 },
      },
      { config: { orchestrator: { group_by: 'file', request_budget: { max_tokens: 1000 } } } },
    );
    const outcome = await run;
    expect(outcome.enqueued).toHaveLength(2);
    expect(outcome.failed).toEqual([]);
    expect(outcome.budget.limits).toEqual({ max_tokens: 1000, max_credits: 3 });
    expect(outcome.budget.spending).toMatchObject({
      input_tokens: 150,
      cached_input_tokens: 40,
      output_tokens: 30,
      credits: 1,
      runs: 2,
    });
    expect(outcome.budget.spent_reason).toBeUndefined();
    const [history] = await requestHistory(current.store);
    expect(history).toMatchObject({ status: 'enqueued', budget: { max_tokens: 1000, max_credits: 3 } });
    expect(history!.usage).toMatchObject({
      input_tokens: 150,
      cached_input_tokens: 40,
      output_tokens: 30,
      credits: 1,
    });
  });
});
