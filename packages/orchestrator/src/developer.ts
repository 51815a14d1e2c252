import { join } from 'node:path';
import { HyperionError, type ChangeRequest, type FileChange } from '@hyperion/schema';
import { splitPatch, sha256Hex, type GitRepository } from '@hyperion/git';
import type { AgentHarnessV1, AgentRunResult } from '@hyperion/harness';
import type { PlannedAssignment } from './decompose.js';

/** What one developer run produced. */
export interface DeveloperResult {
  /** The change request made from the worktree's diff. */
  changeRequest: ChangeRequest;
  /** The agent run's result (status, usage, duration). */
  run: AgentRunResult;
}

/** Options of {@link runDeveloper}. */
export interface DeveloperOptions {
  repository: GitRepository;
  harness: AgentHarnessV1;
  /** Where developer worktrees are created. */
  worktreesDirectory: string;
  /** The commit every developer of the request starts from. */
  baseCommit: string;
  requestId: string;
  /** Wall-clock budget of one run. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

function developerPrompt(planned: PlannedAssignment): string {
  const { assignment } = planned;
  return [
    `You are a developer. ${assignment.summary}`,
    `Edit only these files: ${assignment.file_targets.join(', ')}.`,
    ...assignment.instructions,
  ].join('\n');
}

function failureCode(
  harnessId: string,
  reason: string,
): 'stub_cannot_write' | 'patch_does_not_apply' | 'agent_failed' {
  if (harnessId !== 'stub') return 'agent_failed';
  if (/cannot write/.test(reason)) return 'stub_cannot_write';
  if (/does not apply/.test(reason)) return 'patch_does_not_apply';
  return 'agent_failed';
}

/**
 * Runs one assignment through the harness in its own worktree at the pinned base commit, then
 * turns the worktree into the change request itself (`git diff`), refusing edits outside the
 * assignment's files. The worktree is removed afterwards, whatever happened.
 */
export async function runDeveloper(
  planned: PlannedAssignment,
  options: DeveloperOptions,
): Promise<DeveloperResult> {
  const { assignment } = planned;
  const worktreePath = join(options.worktreesDirectory, `developer-${process.pid}-${assignment.task_id}`);
  const worktree = await options.repository.addWorktree(worktreePath, options.baseCommit);
  try {
    const run = await options.harness.run({
      role: 'developer',
      prompt: developerPrompt(planned),
      workingDirectory: worktree.path,
      filesInScope: assignment.file_targets,
      budget: options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs },
      abortSignal: options.signal,
      metadata: {
        taskId: assignment.task_id,
        edits: planned.changes.map((change) => ({
          path: change.path,
          operation: change.operation,
          content: change.content,
          diff: change.diff,
          summary: change.summary,
        })),
      },
    });
    if (run.status !== 'ok') {
      const reason = (run.error ?? run.text).replace(/\s*\n\s*/g, ' ').trim();
      const code = failureCode(options.harness.harnessId, reason);
      throw new HyperionError(code, `${assignment.task_id}: ${reason}`, {
        details: { taskId: assignment.task_id, status: run.status },
      });
    }
    const changed = await worktree.changedFiles(options.baseCommit);
    const outside = changed
      .filter((file) => !assignment.file_targets.includes(file.path))
      .map((file) => file.path);
    if (outside.length > 0) {
      throw new HyperionError(
        'unsafe_path',
        `${assignment.task_id}: the developer edited files outside its assignment: ${outside.join(', ')}`,
        { details: { taskId: assignment.task_id, outside, allowed: assignment.file_targets } },
      );
    }
    const diff = await worktree.diffAgainst(options.baseCommit);
    if (diff === '') {
      throw new HyperionError('agent_failed', `${assignment.task_id}: the developer made no change`, {
        details: { taskId: assignment.task_id },
      });
    }
    const operations = new Map(
      changed.map((file) => [
        file.path,
        file.status === 'added' ? 'create' : file.status === 'deleted' ? 'delete' : 'update',
      ]),
    );
    const changes: FileChange[] = splitPatch(diff).map((part) => ({
      path: part.path,
      operation: (operations.get(part.path) ?? 'update') as FileChange['operation'],
      patch: part.patch,
      patch_hash: sha256Hex(part.patch),
    }));
    return {
      run,
      changeRequest: {
        task_id: assignment.task_id,
        request_id: options.requestId,
        agent: options.harness.harnessId,
        base_commit: options.baseCommit,
        summary: assignment.summary,
        changes,
      },
    };
  } finally {
    await options.repository.removeWorktree(worktreePath);
  }
}
