import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  HyperionError,
  TaskRequestSchema,
  effectiveRequestBudget,
  parseWithSchema,
  type HyperionConfig,
  type QueueEntry,
  type TaskRequest,
} from '@hyperion/schema';
import { runGit, type GitRepository } from '@hyperion/git';
import type { AgentHarnessV1 } from '@hyperion/harness';
import { landingTargetFor, type CheckRunner, type MergeQueue } from '@hyperion/queue';
import type { HyperionStore } from '@hyperion/store';
import { decompose, type PlannedAssignment } from './decompose.js';
import { decompositionPolicy } from './decomposition-policy.js';
import { runDeveloper, type DeveloperResult } from './developer.js';
import {
  applyAnswers,
  essentialQuestions,
  requireNoOpenQuestions,
  scopeByRules,
  type OpenQuestion,
  type RequestClassification,
  type RequestRisk,
  type ScopedRequest,
} from './engineer.js';
import { BaseFiles } from './base-files.js';
import { scopeWithModel } from './model-engineer.js';
import { decomposeWithModel } from './model-orchestrator.js';
import { requireApprovedPlan } from './plan-gate.js';
import { readFilesAtCommit } from './read-files-at-commit.js';
import { runAll } from './run-all.js';
import { assignmentRunRecord, type ObservedRun } from './usage-record.js';
import type { CollisionPolicy, CollisionReport } from './collision-policy.js';
import { decomposeInPhases, type PhaseSummary } from './phase-plan.js';
import { dependenciesOf, developInPhases, enqueuedEventData } from './phase-runner.js';
import { RequestBudgetController, requestBudgetReport, type RequestBudgetReport } from './request-budget.js';
import {
  decidePartialLanding,
  failedAssignment,
  partialReason,
  type FailedAssignment,
} from './partial-landing.js';

/** Options of {@link runRequestPipeline}. */
export interface RequestPipelineOptions {
  /** The repository the request is about. */
  repository: GitRepository;
  /** The store the request, its assignments and runs are recorded in. */
  store: HyperionStore;
  /** The queue the developers' change requests are submitted to. */
  queue: MergeQueue;
  /** The harness every agent role runs on. */
  harness: AgentHarnessV1;
  /** Where developer (and planning) worktrees are created. */
  worktreesDirectory: string;
  /** The configuration (default: the queue's). */
  config?: HyperionConfig;
  /** Developers run at once (default: `orchestrator.developers`). */
  developerConcurrency?: number;
  /** Wall-clock budget of one developer run (default: `agent.timeout_ms`). */
  developerTimeoutMs?: number;
  /**
   * Asks a human the open questions (`--interactive`); resolves to one answer per question. Without
   * it, open questions stop the request.
   */
  answerQuestions?: (questions: OpenQuestion[]) => Promise<string[]>;
  /** Ask the harness for the engineer's and orchestrator's work (default: unless it is the stub). */
  planWithModel?: boolean;
  /** Runs assignment checks in developer worktrees (default: the queue's own check runner). */
  checkRunner?: CheckRunner;
  /**
   * Run each assignment's checks in its developer worktree before submitting (default true).
   * False leaves them to the queue alone (the demo shows the queue quarantining a failing change).
   */
  developerChecks?: boolean;
  /** Aborts the pipeline (running agents are stopped). */
  signal?: AbortSignal;
}

/** What {@link runRequestPipeline} enqueued. */
export interface RequestOutcome {
  /** The request's id. */
  request_id: string;
  /** What kind of request the engineer judged it to be. */
  classification: RequestClassification;
  /** How risky the engineer judged it. */
  risk: RequestRisk;
  /** The commit every assignment started from. */
  base_commit: string;
  /** Where the scope and the decomposition came from, and what was repaired. */
  planning: {
    engineer: ScopedRequest['source'];
    engineer_fallback_reason?: string;
    orchestrator: 'deterministic' | 'model' | 'fallback' | 'requester';
    orchestrator_fallback_reason?: string;
    repairs: string[];
    checks_source: string;
  };
  /** The assignments, with their files, checks and context size. */
  assignments: Array<{
    task_id: string;
    summary: string;
    files: string[];
    checks: string[];
    context_tokens: number;
    /** The phase it belongs to (1 when the request has one). */
    phase: number;
    /** The commit its developer started from (the request's base, or a projected tip). */
    base_commit: string;
  }>;
  /** The request's phases in order: a later phase's developers start from the earlier ones' result. */
  phases: PhaseSummary[];
  /** Entries of other requests found on the assignments' files, and what was done (`orchestrator.collisions`). */
  collisions: { policy: CollisionPolicy; reports: CollisionReport[] };
  /** The change requests submitted to the queue, with the entries each is stacked on. */
  enqueued: Array<{ change_id: string; task_id: string; paths: string[]; depends_on: string[] }>;
  /** The assignments that failed and were not enqueued (only under `on_partial_failure: land_succeeded`). */
  failed: FailedAssignment[];
  /** The request's budget and what its agent runs spent (raw token counts). */
  budget: RequestBudgetReport;
}

/** A new, random request id. */
export function newRequestId(): string {
  return `REQ-${randomBytes(4).toString('hex')}`;
}

/** Every file of `commit`'s tree, indexed for the engineer. */
async function filesAtCommit(repository: GitRepository, commit: string): Promise<BaseFiles> {
  const listing = await runGit(['ls-tree', '-r', '--name-only', '-z', commit], { cwd: repository.root });
  return BaseFiles.of(listing.stdout.split('\0').filter((path) => path !== ''));
}

const MAX_QUESTION_ROUNDS = 3;

/**
 * The headless request path: plan gate → engineer → orchestrator → developers → merge queue. Bad
 * input (an unapproved plan, open questions, a file too big for the budget) fails before anything
 * is stored. When every developer succeeds, the request, its assignments, their runs' usage and all
 * change requests are stored and enqueued in one transaction; when one fails, nothing is enqueued
 * and the request is recorded as failed with the reason and the usage — unless the request's (or the
 * configuration's) `on_partial_failure` is `land_succeeded`: then the ones that succeeded are
 * enqueued, the request is `partial` and {@link RequestOutcome.failed} lists the others. Every agent
 * run counts against the request's budget (`budget`, capped by `orchestrator.request_budget`): once
 * it is spent no run starts, running ones are stopped and the request fails with `budget_exceeded`.
 */
export async function runRequestPipeline(
  request: TaskRequest,
  options: RequestPipelineOptions,
): Promise<RequestOutcome> {
  const config = options.config ?? options.queue.config;
  const requestId = request.request_id ?? newRequestId();
  const budget = new RequestBudgetController(
    requestId,
    effectiveRequestBudget(request.budget, config.orchestrator.request_budget),
  );
  try {
    return await runBudgetedPipeline({ ...request, request_id: requestId }, options, budget);
  } finally {
    budget.dispose();
  }
}

/**
 * {@link runRequestPipeline} with every agent run counted against `budget` (see request-budget.ts);
 * the policy for failed developers is in partial-landing.ts.
 */
async function runBudgetedPipeline(
  request: TaskRequest & { request_id: string },
  unbudgeted: RequestPipelineOptions,
  budget: RequestBudgetController,
): Promise<RequestOutcome> {
  const options = { ...unbudgeted, harness: budget.harness(unbudgeted.harness) };
  const { repository, store, queue, harness } = options;
  const config = options.config ?? queue.config;
  const requestId = request.request_id;
  const targetBranch = config.target_branch;
  if (request.target_branch !== undefined && request.target_branch !== targetBranch) {
    throw new HyperionError(
      'invalid_input',
      `target_branch: the request targets '${request.target_branch}' but this queue lands on '${targetBranch}' (target_branch in .hyperion/config.json)`,
    );
  }
  const previous = await store.getRequest(requestId);
  if (previous !== undefined && previous.status !== 'failed') {
    throw new HyperionError(
      'duplicate',
      `request '${requestId}' was already submitted (see 'hyperion requests')`,
      { details: { requestId } },
    );
  }
  const plan = requireApprovedPlan(repository.root, config.plan);
  // Developers start from where the queue lands: the remote's tip (fetched now) when `remote` is set.
  const baseCommit = await landingTargetFor(repository, config).tip(targetBranch);
  const planWithModel = options.planWithModel ?? harness.harnessId !== 'stub';
  const observed: ObservedRun[] = [];
  const planning = await planRequest(
    request,
    requestId,
    baseCommit,
    planWithModel,
    plan?.validationPolicy,
    observed,
    options,
    budget,
  );
  const { scoped, planned } = planning;
  if (budget.spentReason() !== undefined) {
    await recordFailure(store, requestId, scoped, planned, [], observed, budget);
    throw budget.error();
  }
  const tip = () => landingTargetFor(repository, config).tip(targetBranch);
  const phased = await developInPhases(
    planned,
    { repository, store, config, requestId, baseCommit, tip, signal: options.signal },
    (items, baseOf) => runDevelopers(items, requestId, baseOf, config, observed, options, budget),
  );
  const developed = { results: phased.results, failures: phased.failures };
  const decision = decidePartialLanding(
    request.on_partial_failure ?? config.orchestrator.on_partial_failure,
    developed.results.length,
    developed.failures.map((failure) => failedAssignment(failure.planned.assignment.task_id, failure.error)),
    budget.spentReason() !== undefined,
  );
  if (decision.action === 'fail') {
    await recordFailure(store, requestId, scoped, planned, developed.failures, observed, budget);
    if (budget.spentReason() !== undefined) {
      const error = budget.error();
      throw new HyperionError(error.code, error.message, {
        details: { ...error.details, failures: developed.failures.map(describeFailure) },
      });
    }
    const first = developed.failures[0]!.error;
    if (HyperionError.isInstance(first)) {
      const more = developed.failures.length > 1 ? ` (and ${developed.failures.length - 1} more)` : '';
      throw new HyperionError(first.code, first.message + more, {
        cause: first,
        details: { ...first.details, requestId, failures: developed.failures.map(describeFailure) },
      });
    }
    throw first;
  }
  const failed = decision.action === 'enqueue_succeeded' ? decision.failed : [];
  const enqueued = await store.transaction(async (transaction) => {
    await transaction.removeFailedRequest(requestId);
    await transaction.insertRequest({
      id: requestId,
      summary: scoped.request.summary,
      status: failed.length === 0 ? 'enqueued' : 'partial',
      body: { ...requestBody(scoped, planning), ...budgetFields(budget) },
    });
    if (failed.length > 0)
      await transaction.updateRequest(requestId, 'partial', partialReason(failed, planned.length));
    for (const item of planned) {
      const failure = failed.find((entry) => entry.task_id === item.assignment.task_id);
      await transaction.insertAssignment({
        task_id: item.assignment.task_id,
        request_id: requestId,
        summary: item.assignment.summary,
        status: failure === undefined ? 'submitted' : 'planned',
        body: item.assignment,
      });
      if (failure !== undefined)
        await transaction.updateAssignment(item.assignment.task_id, 'failed', failure.message);
    }
    const entries: QueueEntry[] = [];
    const changeOf = new Map<string, string>();
    for (const result of developed.results) {
      const dependsOn = dependenciesOf(result, planned, phased, changeOf);
      const entry = await queue.submitInTransaction(transaction, result.changeRequest, {
        requestId,
        priority: scoped.request.priority,
        dependsOn,
        eventData: {
          source: 'request',
          agent: result.run.status,
          duration_ms: Math.round(result.run.durationMs),
          ...enqueuedEventData(result.changeRequest.task_id, planned, phased),
        },
      });
      entries.push(entry);
      changeOf.set(entry.task_id, entry.id);
    }
    for (const run of observed) {
      const changeId = run.role === 'developer' && run.taskId !== null ? changeOf.get(run.taskId) : undefined;
      await transaction.recordAssignmentRun(
        assignmentRunRecord(requestId, { ...run, changeId: changeId ?? null }),
      );
    }
    return entries;
  });
  return {
    request_id: requestId,
    classification: scoped.classification,
    risk: scoped.risk,
    base_commit: baseCommit,
    planning: planningSummary(scoped, planning),
    assignments: planned.map((item) => ({
      task_id: item.assignment.task_id,
      summary: item.assignment.summary,
      files: item.assignment.file_targets,
      checks: item.assignment.checks ?? [],
      context_tokens: item.contextTokens,
      phase: item.assignment.phase ?? 1,
      base_commit: phased.bases.get(item.assignment.task_id)?.commit ?? baseCommit,
    })),
    phases: planning.phases,
    collisions: { policy: config.orchestrator.collisions, reports: phased.collisions },
    enqueued: enqueued.map((entry) => ({
      change_id: entry.id,
      task_id: entry.task_id,
      paths: entry.paths,
      depends_on: entry.depends_on,
    })),
    failed,
    budget: requestBudgetReport(budget),
  };
}

interface Planning {
  scoped: ScopedRequest;
  planned: PlannedAssignment[];
  orchestrator: RequestOutcome['planning']['orchestrator'];
  orchestratorFallbackReason?: string;
  repairs: string[];
  checksSource: string;
  phases: PhaseSummary[];
}

function planningSummary(scoped: ScopedRequest, planning: Planning): RequestOutcome['planning'] {
  return {
    engineer: scoped.source,
    ...(scoped.fallbackReason === undefined ? {} : { engineer_fallback_reason: scoped.fallbackReason }),
    orchestrator: planning.orchestrator,
    ...(planning.orchestratorFallbackReason === undefined
      ? {}
      : { orchestrator_fallback_reason: planning.orchestratorFallbackReason }),
    repairs: planning.repairs,
    checks_source: planning.checksSource,
  };
}

function requestBody(scoped: ScopedRequest, planning: Planning): Record<string, unknown> {
  return {
    ...scoped.request,
    request_id: scoped.requestId,
    classification: scoped.classification,
    scope: {
      classification: scoped.classification,
      risk: scoped.risk,
      acceptance_criteria: scoped.acceptanceCriteria,
      target_files: scoped.targetFiles,
      advisory_questions: scoped.advisoryQuestions,
      ...planningSummary(scoped, planning),
    },
  };
}

/** Engineer (with questions answered when a human is asked) and orchestrator, in a scratch worktree. */
async function planRequest(
  original: TaskRequest,
  requestId: string,
  baseCommit: string,
  planWithModel: boolean,
  planPolicy: string[] | undefined,
  observed: ObservedRun[],
  options: RequestPipelineOptions,
  budget?: RequestBudgetController,
): Promise<Planning> {
  const { repository, harness } = options;
  const config = options.config ?? options.queue.config;
  const scratch = planWithModel
    ? await repository.addWorktree(
        join(options.worktreesDirectory, `planning-${process.pid}-${requestId}-${Date.now().toString(36)}`),
        baseCommit,
      )
    : undefined;
  try {
    let request = original;
    let scoped: ScopedRequest | undefined;
    const baseFiles = await filesAtCommit(repository, baseCommit);
    for (let round = 0; ; round += 1) {
      if (scratch === undefined) {
        scoped = scopeByRules(request, requestId, baseFiles);
      } else {
        const engineered = await scopeWithModel(request, requestId, {
          harness,
          workingDirectory: scratch.path,
          baseFiles,
          budget: { timeoutMs: config.agent.timeout_ms },
          signal: options.signal,
        });
        scoped = engineered.scoped;
        observed.push({
          role: 'engineer',
          taskId: null,
          harness: harness.harnessId,
          result: engineered.run,
          data: scoped.fallbackReason === undefined ? {} : { fallback: scoped.fallbackReason },
        });
      }
      if (scoped.openQuestions.length === 0) break;
      if (options.answerQuestions === undefined || round >= MAX_QUESTION_ROUNDS) break;
      const questions = essentialQuestions(scoped.request, baseFiles);
      const answers = await options.answerQuestions(questions);
      request = parseWithSchema(
        TaskRequestSchema,
        applyAnswers(
          scoped.request,
          questions.map((question, index) => ({ question, answer: answers[index] ?? '' })),
        ),
        'answers',
      );
    }
    requireNoOpenQuestions(scoped);
    const present = await readFilesAtCommit(
      repository,
      baseCommit,
      scoped.targetFiles.filter((file) => file.exists).map((file) => file.path),
    );
    const policy = decompositionPolicy(config, planPolicy, scoped.request.checks);
    const decomposeOptions = { baseCommit, policy, contents: present };
    // A request whose budget the engineer spent starts no orchestrator run.
    if (scratch === undefined || budget?.spentReason() !== undefined) {
      const phased = await decomposeInPhases(scoped, decomposeOptions, (phase, phaseOptions) => ({
        planned: decompose(phase, phaseOptions),
      }));
      return {
        scoped,
        planned: phased.planned,
        orchestrator: 'deterministic',
        repairs: [],
        checksSource: policy.checksSource,
        phases: phased.phases,
      };
    }
    const phased = await decomposeInPhases(scoped, decomposeOptions, (phase, phaseOptions) =>
      decomposeWithModel(phase, {
        ...phaseOptions,
        harness,
        workingDirectory: scratch.path,
        budget: { timeoutMs: config.agent.timeout_ms },
        signal: options.signal,
      }),
    );
    for (const decomposition of phased.results) {
      if (!('run' in decomposition)) continue;
      observed.push({
        role: 'orchestrator',
        taskId: null,
        harness: harness.harnessId,
        result: decomposition.run,
        data: {
          repairs: decomposition.repairs,
          ...(decomposition.fallbackReason === undefined ? {} : { fallback: decomposition.fallbackReason }),
        },
      });
    }
    // One source for the plan: a fallback in any phase is the plan's, then the model's, then the requester's.
    const decomposition =
      phased.results.find((result) => result.source === 'fallback') ??
      phased.results.find((result) => result.source === 'model') ??
      phased.results[0]!;
    return {
      scoped,
      planned: phased.planned,
      orchestrator: decomposition.source,
      ...('fallbackReason' in decomposition && decomposition.fallbackReason !== undefined
        ? { orchestratorFallbackReason: decomposition.fallbackReason }
        : {}),
      repairs: phased.results.flatMap((result) => result.repairs),
      checksSource: policy.checksSource,
      phases: phased.phases,
    };
  } finally {
    if (scratch !== undefined) await repository.removeWorktree(scratch.path);
  }
}

interface DeveloperFailure {
  planned: PlannedAssignment;
  error: unknown;
}

async function runDevelopers(
  planned: PlannedAssignment[],
  requestId: string,
  baseOf: (item: PlannedAssignment) => Promise<string>,
  config: HyperionConfig,
  observed: ObservedRun[],
  options: RequestPipelineOptions,
  budget: RequestBudgetController,
): Promise<{ results: DeveloperResult[]; failures: DeveloperFailure[] }> {
  const settled = await runAll(
    planned,
    options.developerConcurrency ?? config.orchestrator.developers,
    async (item) => {
      // Once the request's budget is spent no further developer starts.
      budget.requireRoom();
      let run: ObservedRun | undefined;
      const assignment =
        options.developerChecks === false
          ? { ...item, assignment: { ...item.assignment, checks: undefined } }
          : item;
      try {
        return await runDeveloper(assignment, {
          repository: options.repository,
          harness: options.harness,
          worktreesDirectory: options.worktreesDirectory,
          baseCommit: await baseOf(item),
          requestId,
          budget: {
            timeoutMs: options.developerTimeoutMs ?? config.agent.timeout_ms,
            ...(config.agent.max_tokens === undefined ? {} : { maxTokens: config.agent.max_tokens }),
            ...(config.agent.max_credits === undefined ? {} : { maxCredits: config.agent.max_credits }),
          },
          checkRunner: options.checkRunner ?? options.queue.checkRunner,
          signal: options.signal,
          onRun: (result) => {
            run = {
              role: 'developer',
              taskId: item.assignment.task_id,
              harness: options.harness.harnessId,
              result,
            };
            observed.push(run);
          },
        });
      } catch (error) {
        if (run !== undefined && HyperionError.isInstance(error)) {
          const status = error.details['status'];
          run.status = typeof status === 'string' && status !== 'ok' ? status : 'failed';
          run.error = error.message;
        }
        throw error;
      }
    },
  );
  const failures = settled.flatMap((result, index) =>
    result.status === 'rejected' ? [{ planned: planned[index]!, error: result.reason as unknown }] : [],
  );
  const results = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  return { results, failures };
}

function describeFailure(failure: DeveloperFailure): Record<string, unknown> {
  const error = failure.error;
  return {
    task_id: failure.planned.assignment.task_id,
    code: HyperionError.isInstance(error) ? error.code : 'internal',
    message: error instanceof Error ? error.message : String(error),
  };
}

async function recordFailure(
  store: HyperionStore,
  requestId: string,
  scoped: ScopedRequest,
  planned: PlannedAssignment[],
  failures: DeveloperFailure[],
  observed: ObservedRun[],
  budget: RequestBudgetController,
): Promise<void> {
  const reasons = new Map(
    failures.map((failure) => [failure.planned.assignment.task_id, describeFailure(failure)]),
  );
  await store.transaction(async (transaction) => {
    await transaction.removeFailedRequest(requestId);
    await transaction.insertRequest({
      id: requestId,
      summary: scoped.request.summary,
      status: 'received',
      body: {
        ...scoped.request,
        request_id: requestId,
        classification: scoped.classification,
        ...budgetFields(budget),
      },
    });
    for (const item of planned) {
      await transaction.insertAssignment({
        task_id: item.assignment.task_id,
        request_id: requestId,
        summary: item.assignment.summary,
        status: 'planned',
        body: item.assignment,
      });
      const reason = reasons.get(item.assignment.task_id);
      await transaction.updateAssignment(
        item.assignment.task_id,
        'failed',
        reason !== undefined
          ? String(reason['message'])
          : notEnqueuedReason(budget.spentReason(), failures.length),
      );
    }
    for (const run of observed) await transaction.recordAssignmentRun(assignmentRunRecord(requestId, run));
    const spent = budget.spentReason();
    const why = [...reasons.values()].map((reason) => String(reason['message'])).join('; ');
    await transaction.updateRequest(
      requestId,
      'failed',
      spent === undefined ? why : `${spent}${why === '' ? '' : `; ${why}`}`,
    );
  });
}

/** Why an assignment that did not fail itself was not enqueued either. */
function notEnqueuedReason(budgetSpent: string | undefined, failures: number): string {
  if (budgetSpent !== undefined) return `not enqueued: ${budgetSpent}`;
  return `not enqueued: ${failures} other assignment(s) of the request failed (on_partial_failure: all_or_nothing)`;
}

/** The budget that applied, stored in the request's body (a re-dispatch counts against it too). */
function budgetFields(budget: RequestBudgetController): { budget?: RequestBudgetController['limits'] } {
  return Object.keys(budget.limits).length === 0 ? {} : { budget: budget.limits };
}
