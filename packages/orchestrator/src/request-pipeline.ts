import { randomBytes } from 'node:crypto';
import { HyperionError, type TaskRequest } from '@hyperion/schema';
import { runGit, type GitRepository } from '@hyperion/git';
import type { AgentHarnessV1 } from '@hyperion/harness';
import type { MergeQueue } from '@hyperion/queue';
import type { HyperionStore } from '@hyperion/store';
import { decompose, type PlannedAssignment } from './decompose.js';
import { runDeveloper, type DeveloperResult } from './developer.js';
import { clarifyScope, type RequestClassification } from './engineer.js';

/** Options of {@link runRequestPipeline}. */
export interface RequestPipelineOptions {
  repository: GitRepository;
  store: HyperionStore;
  queue: MergeQueue;
  /** The harness every agent role runs on. */
  harness: AgentHarnessV1;
  /** Where developer worktrees are created. */
  worktreesDirectory: string;
  /** Developers run at once (default: the queue's worker count). */
  developerConcurrency?: number;
  /** Wall-clock budget of one developer run. */
  developerTimeoutMs?: number;
}

/** What {@link runRequestPipeline} enqueued. */
export interface RequestOutcome {
  request_id: string;
  classification: RequestClassification;
  base_commit: string;
  assignments: Array<{ task_id: string; summary: string; files: string[] }>;
  enqueued: Array<{ change_id: string; task_id: string; paths: string[] }>;
}

/** A new, random request id. */
export function newRequestId(): string {
  return `REQ-${randomBytes(4).toString('hex')}`;
}

async function existingPaths(
  repository: GitRepository,
  commit: string,
  paths: string[],
): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const listing = await runGit(['ls-tree', '-r', '--name-only', '-z', commit, '--', ...paths], {
    cwd: repository.root,
  });
  return new Set(listing.stdout.split('\0').filter((path) => path !== ''));
}

async function runAll<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  return results;
}

/**
 * The headless request path: engineer → orchestrator → developers → merge queue. Bad input fails
 * before anything is stored. When every developer succeeds, the request, its assignments and all
 * change requests are stored and enqueued in one transaction; when one fails, nothing is enqueued
 * and the request is recorded as failed with the reason.
 */
export async function runRequestPipeline(
  request: TaskRequest,
  options: RequestPipelineOptions,
): Promise<RequestOutcome> {
  const { repository, store, queue } = options;
  const requestId = request.request_id ?? newRequestId();
  const targetBranch = queue.config.target_branch;
  if (request.target_branch !== undefined && request.target_branch !== targetBranch) {
    throw new HyperionError(
      'invalid_input',
      `target_branch: the request targets '${request.target_branch}' but this queue lands on '${targetBranch}' (target_branch in .hyperion/config.json)`,
    );
  }
  const previous = store.getRequest(requestId);
  if (previous !== undefined && previous.status !== 'failed') {
    throw new HyperionError(
      'duplicate',
      `request '${requestId}' was already submitted (see 'hyperion requests')`,
      {
        details: { requestId },
      },
    );
  }
  const baseCommit = await repository.requireBranch(targetBranch);
  const candidatePaths = [
    ...request.requested_changes.map((change) => change.path),
    ...(request.assignments ?? []).flatMap((assignment) => assignment.file_targets),
  ];
  const present = await existingPaths(repository, baseCommit, candidatePaths);
  const scoped = clarifyScope(request, requestId, (path) => present.has(path));
  const planned = decompose(scoped, baseCommit);

  const results = await runAll(planned, options.developerConcurrency ?? queue.config.workers, (item) =>
    runDeveloper(item, {
      repository,
      harness: options.harness,
      worktreesDirectory: options.worktreesDirectory,
      baseCommit,
      requestId,
      timeoutMs: options.developerTimeoutMs,
    }),
  );
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [{ planned: planned[index]!, error: result.reason as unknown }] : [],
  );
  if (failures.length > 0) {
    recordFailure(store, requestId, request, planned, failures);
    const first = failures[0]!.error;
    if (HyperionError.isInstance(first)) {
      throw new HyperionError(
        first.code,
        first.message + (failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''),
        {
          cause: first,
          details: { ...first.details, requestId, failures: failures.map(describeFailure) },
        },
      );
    }
    throw first;
  }
  const developed = results.map((result) => (result as PromiseFulfilledResult<DeveloperResult>).value);
  const enqueued = store.transaction(() => {
    store.removeFailedRequest(requestId);
    store.insertRequest({
      id: requestId,
      summary: request.summary,
      status: 'enqueued',
      body: { ...request, request_id: requestId, classification: scoped.classification },
    });
    for (const item of planned) {
      store.insertAssignment({
        task_id: item.assignment.task_id,
        request_id: requestId,
        summary: item.assignment.summary,
        status: 'submitted',
        body: item.assignment,
      });
    }
    return developed.map((result) =>
      queue.submit(result.changeRequest, {
        requestId,
        priority: request.priority,
        eventData: {
          source: 'request',
          agent: result.run.status,
          duration_ms: Math.round(result.run.durationMs),
        },
      }),
    );
  });
  return {
    request_id: requestId,
    classification: scoped.classification,
    base_commit: baseCommit,
    assignments: planned.map((item) => ({
      task_id: item.assignment.task_id,
      summary: item.assignment.summary,
      files: item.assignment.file_targets,
    })),
    enqueued: enqueued.map((entry) => ({ change_id: entry.id, task_id: entry.task_id, paths: entry.paths })),
  };
}

function describeFailure(failure: { planned: PlannedAssignment; error: unknown }): Record<string, unknown> {
  const error = failure.error;
  return {
    task_id: failure.planned.assignment.task_id,
    code: HyperionError.isInstance(error) ? error.code : 'internal',
    message: error instanceof Error ? error.message : String(error),
  };
}

function recordFailure(
  store: HyperionStore,
  requestId: string,
  request: TaskRequest,
  planned: PlannedAssignment[],
  failures: Array<{ planned: PlannedAssignment; error: unknown }>,
): void {
  const reasons = new Map(
    failures.map((failure) => [failure.planned.assignment.task_id, describeFailure(failure)]),
  );
  store.transaction(() => {
    store.removeFailedRequest(requestId);
    store.insertRequest({
      id: requestId,
      summary: request.summary,
      status: 'received',
      body: { ...request, request_id: requestId },
    });
    for (const item of planned) {
      store.insertAssignment({
        task_id: item.assignment.task_id,
        request_id: requestId,
        summary: item.assignment.summary,
        status: 'planned',
        body: item.assignment,
      });
      const reason = reasons.get(item.assignment.task_id);
      if (reason !== undefined)
        store.updateAssignment(item.assignment.task_id, 'failed', String(reason['message']));
    }
    store.updateRequest(
      requestId,
      'failed',
      [...reasons.values()].map((reason) => String(reason['message'])).join('; '),
    );
  });
}
