import {
  HyperionError,
  TaskAssignmentSchema,
  TaskRequestSchema,
  parseWithSchema,
  type HyperionConfig,
  type QueueEntry,
} from '@hyperion/schema';
import type { GitRepository } from '@hyperion/git';
import type { AgentHarnessV1 } from '@hyperion/harness';
import { landingTargetFor, type CheckRunner, type MergeQueue } from '@hyperion/queue';
import type { AssignmentRecord, HyperionStore, RequestRecord } from '@hyperion/store';
import { quarantineConflicted, requireConflictedRequestEntry } from './conflict-quarantine.js';
import { redispatchBudget } from './redispatch-budget.js';
import { runDeveloper } from './developer.js';
import { changesOfPhase } from './phase-plan.js';
import { assignmentRunRecord, type ObservedRun } from './usage-record.js';

/**
 * Re-dispatches allowed per assignment: `orchestrator.conflict_tiers.redispatch.max_attempts`, or
 * `orchestrator.max_redispatch` when that is not set.
 */
export function redispatchLimit(config: HyperionConfig): number {
  return config.orchestrator.conflict_tiers.redispatch.max_attempts ?? config.orchestrator.max_redispatch;
}

/** Options of {@link redispatchConflictedEntry}. */
export interface RedispatchOptions {
  /** The store holding the conflicted entry and its request. */
  store: HyperionStore;
  /** The queue the new change request is submitted to. */
  queue: MergeQueue;
  /** The repository the developer's worktree is made from. */
  repository: GitRepository;
  /** The agent harness the developer runs on. */
  harness: AgentHarnessV1;
  /** Where developer worktrees are created. */
  worktreesDirectory: string;
  /** The configuration (default: the queue's); {@link redispatchLimit} is the limit. */
  config?: HyperionConfig;
  /** Runs the assignment's checks in the developer worktree (default: the queue's). */
  checkRunner?: CheckRunner;
  /** Aborts the re-dispatch. */
  signal?: AbortSignal;
}

/** What {@link redispatchConflictedEntry} did. */
export type RedispatchOutcome =
  | { outcome: 'resubmitted'; entry: QueueEntry; previous: QueueEntry; redispatch: number }
  | { outcome: 'quarantined'; entry: QueueEntry; reason: string }
  | { outcome: 'failed'; entry: QueueEntry; error: HyperionError; redispatch: number };

function conflictPrompt(entry: QueueEntry, report: unknown, tip: string): string {
  return [
    `Your previous change for this assignment (${entry.id}) conflicted with ${entry.target_branch}: it does not apply on ${tip}.`,
    'The files now hold the newer content of the branch. Make the change again on top of it.',
    'Conflict report (JSON):',
    JSON.stringify(report ?? { reason: entry.last_error }, null, 2),
  ].join('\n');
}

async function latestConflictReport(store: HyperionStore, entryId: string): Promise<unknown> {
  const conflicted = (await store.listEvents({ entryId }))
    .filter((event) => event.type === 'entry:conflicted')
    .at(-1);
  return conflicted?.data['report'];
}

/**
 * Re-dispatches a conflicted pipeline entry to its developer: the assignment runs again on the
 * target branch's new tip with the conflict report in its prompt (checks included), and the new
 * change is submitted, linked to the old entry in its `entry:enqueued` event. After
 * {@link redispatchLimit} re-dispatches the entry is quarantined instead. A failed
 * re-dispatch leaves the entry conflicted and counts towards the limit. The run counts against the
 * request's budget ({@link redispatchBudget}); once that is spent nothing is re-dispatched: the
 * entry is quarantined (`not re-dispatched: …`, with the spending) and the request marked failed.
 */
export async function redispatchConflictedEntry(
  entryId: string,
  options: RedispatchOptions,
): Promise<RedispatchOutcome> {
  const { store, queue, harness } = options;
  const config = options.config ?? queue.config;
  const { entry, requestId } = await requireConflictedRequestEntry(
    store,
    entryId,
    'there is no developer to re-dispatch',
  );
  const record = (await store.listAssignments(requestId)).find(
    (assignment) => assignment.task_id === entry.task_id,
  );
  const requestRecord = await store.getRequest(requestId);
  if (record === undefined || requestRecord === undefined) {
    throw new HyperionError('not_found', `no assignment ${entry.task_id} of request ${requestId}`, {
      details: { id: entryId, taskId: entry.task_id, requestId },
    });
  }
  const previousRedispatches = (await store.listAssignmentRuns({ taskId: entry.task_id })).filter(
    (run) => run.role === 'developer' && run.attempt > 1,
  ).length;
  const quarantine = async (
    reason: string,
    data: Record<string, unknown> = {},
    failRequest = false,
  ): Promise<RedispatchOutcome> => {
    const quarantined = await quarantineConflicted(
      store,
      queue,
      entry,
      reason,
      { redispatches: previousRedispatches, ...data },
      { failRequest },
    );
    return { outcome: 'quarantined', entry: quarantined, reason };
  };
  const limit = redispatchLimit(config);
  if (previousRedispatches >= limit) {
    const setting =
      config.orchestrator.conflict_tiers.redispatch.max_attempts === undefined
        ? 'orchestrator.max_redispatch'
        : 'orchestrator.conflict_tiers.redispatch.max_attempts';
    return quarantine(
      `conflicted after ${previousRedispatches} re-dispatch(es); the limit is ${limit} (${setting})`,
    );
  }
  // The request's budget covers its re-dispatches: a spent one re-dispatches nothing.
  const budget = await redispatchBudget(store, requestRecord, config);
  try {
    const spent = budget.spentReason();
    if (spent !== undefined) {
      return await quarantine(
        `not re-dispatched: ${spent}`,
        { budget_spent: true, spending: budget.spending() },
        true,
      );
    }
    return await redispatchWithin(entry, record, requestRecord, previousRedispatches, {
      ...options,
      harness: budget.harness(harness),
    });
  } finally {
    budget.dispose();
  }
}

async function redispatchWithin(
  entry: QueueEntry,
  record: AssignmentRecord,
  requestRecord: RequestRecord,
  previousRedispatches: number,
  options: RedispatchOptions,
): Promise<RedispatchOutcome> {
  const { store, queue, harness } = options;
  const config = options.config ?? queue.config;
  const entryId = entry.id;
  const requestId = requestRecord.id;
  const assignment = parseWithSchema(TaskAssignmentSchema, record.body, `assignment ${entry.task_id}`);
  const request = parseWithSchema(
    TaskRequestSchema,
    stripPipelineFields(requestRecord.body),
    `request ${requestId}`,
  );
  // The developer starts from where the queue lands: the remote's tip when `remote` is set.
  const tip = await landingTargetFor(options.repository, config).tip(entry.target_branch);
  const redispatch = previousRedispatches + 1;
  let observed: ObservedRun | undefined;
  try {
    const result = await runDeveloper(
      {
        assignment: { ...assignment, base_commit: tip },
        changes: changesOfPhase(request, assignment.phase ?? 1).filter((change) =>
          assignment.file_targets.includes(change.path),
        ),
        contextTokens: 0,
      },
      {
        repository: options.repository,
        harness,
        worktreesDirectory: options.worktreesDirectory,
        baseCommit: tip,
        requestId,
        budget: {
          timeoutMs: config.agent.timeout_ms,
          ...(config.agent.max_tokens === undefined ? {} : { maxTokens: config.agent.max_tokens }),
        },
        checkRunner: options.checkRunner ?? options.queue.checkRunner,
        promptAddendum: conflictPrompt(entry, await latestConflictReport(store, entryId), tip),
        signal: options.signal,
        onRun: (run) => {
          observed = {
            role: 'developer',
            taskId: entry.task_id,
            harness: harness.harnessId,
            result: run,
            attempt: redispatch + 1,
            data: { redispatch_of: entryId, tip },
          };
        },
      },
    );
    const submitted = await store.transaction(async (transaction) => {
      const created = await queue.submitInTransaction(transaction, result.changeRequest, {
        requestId,
        priority: entry.priority,
        eventData: { source: 'redispatch', redispatch_of: entryId, redispatch, tip },
      });
      await transaction.updateAssignment(entry.task_id, 'submitted');
      if (observed !== undefined) {
        await transaction.recordAssignmentRun(
          assignmentRunRecord(requestId, { ...observed, changeId: created.id }),
        );
      }
      return created;
    });
    return { outcome: 'resubmitted', entry: submitted, previous: entry, redispatch };
  } catch (error) {
    const failure = HyperionError.isInstance(error)
      ? error
      : new HyperionError('internal', error instanceof Error ? error.message : String(error), {
          cause: error,
        });
    const failedRun: ObservedRun = observed ?? {
      role: 'developer',
      taskId: entry.task_id,
      harness: harness.harnessId,
      result: { status: 'failed', text: '', usage: { reported: false }, durationMs: 0 },
      attempt: redispatch + 1,
      data: { redispatch_of: entryId, tip },
    };
    await store.recordAssignmentRun(
      assignmentRunRecord(requestId, { ...failedRun, status: 'failed', error: failure.message }),
    );
    return { outcome: 'failed', entry, error: failure, redispatch };
  }
}

/** The stored request body carries the pipeline's own fields beside the request's. */
function stripPipelineFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const { classification: _classification, scope: _scope, ...request } = body as Record<string, unknown>;
  return request;
}
