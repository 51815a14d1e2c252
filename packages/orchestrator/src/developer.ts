import { join } from 'node:path';
import { HyperionError, type ChangeRequest } from '@hyperion/schema';
import type { GitRepository } from '@hyperion/git';
import type { AgentBudget, AgentHarnessV1, AgentRunResult } from '@hyperion/harness';
import { ShellCheckRunner, type CheckRunner, type CheckRunResult } from '@hyperion/queue';
import { assignmentInstructionsText, type PlannedAssignment } from './decompose.js';
import { runWithinBudget } from './run-within-budget.js';
import { fileChangesFromDiff } from './worktree-changes.js';
import { readGitLink, restoreChangedGitLink } from './worktree-git-link.js';

/** What one developer run produced. */
export interface DeveloperResult {
  /** The change request made from the worktree's diff. */
  changeRequest: ChangeRequest;
  /** The agent run's result (status, usage, duration). */
  run: AgentRunResult;
  /** The assignment's checks, run in the worktree before submitting. */
  checks: CheckRunResult[];
}

/** Options of {@link runDeveloper}. */
export interface DeveloperOptions {
  /** The repository the developer's worktree is made from. */
  repository: GitRepository;
  /** The agent harness the developer runs on. */
  harness: AgentHarnessV1;
  /** Where developer worktrees are created. */
  worktreesDirectory: string;
  /** The commit the developer starts from. */
  baseCommit: string;
  /** The request the assignment belongs to (recorded on the change request). */
  requestId: string;
  /** The run's budget, enforced by the controller whatever the harness does. */
  budget?: AgentBudget;
  /** @deprecated use `budget.timeoutMs`. */
  timeoutMs?: number;
  /** Runs the assignment's checks in the worktree (default: `sh -c` per command). */
  checkRunner?: CheckRunner;
  /** Timeout of one check (default 10 minutes). */
  checkTimeoutMs?: number;
  /** Extra text for the prompt (a conflict report on a re-dispatch). */
  promptAddendum?: string;
  /** Called with the agent run as soon as it ends, whatever happens next (usage is recorded from it). */
  onRun?: (run: AgentRunResult) => void;
  /** Aborts the run (the agent is stopped and the worktree removed). */
  signal?: AbortSignal;
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

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

async function runChecks(
  planned: PlannedAssignment,
  directory: string,
  options: DeveloperOptions,
): Promise<CheckRunResult[]> {
  const runner = options.checkRunner ?? new ShellCheckRunner();
  const results: CheckRunResult[] = [];
  for (const [index, command] of (planned.assignment.checks ?? []).entries()) {
    const result = await runner.run(
      {
        name: `assignment-check-${index + 1}`,
        command,
        timeout_ms: options.checkTimeoutMs ?? 600_000,
        retries: 0,
      },
      directory,
      options.signal,
    );
    results.push(result);
    if (!result.passed) {
      const tail = result.output.trim().split('\n').slice(-5).join(' | ');
      throw new HyperionError(
        'agent_failed',
        `${planned.assignment.task_id}: check '${command}' failed in the developer worktree (${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}): ${tail}`,
        {
          details: {
            taskId: planned.assignment.task_id,
            status: 'checks-failed',
            check: command,
            exitCode: result.exitCode,
            output: result.output,
          },
        },
      );
    }
  }
  return results;
}

/**
 * Runs one assignment through the harness in its own worktree at the pinned base commit, within
 * its budget, then turns the worktree into the change request itself (`git diff`), refusing edits
 * outside the assignment's files, and runs the assignment's checks in the worktree. The worktree is
 * removed afterwards, whatever happened.
 */
export async function runDeveloper(
  planned: PlannedAssignment,
  options: DeveloperOptions,
): Promise<DeveloperResult> {
  const { assignment } = planned;
  const worktreePath = join(
    options.worktreesDirectory,
    `developer-${process.pid}-${assignment.task_id}-${Date.now().toString(36)}`,
  );
  const worktree = await options.repository.addWorktree(worktreePath, options.baseCommit);
  const budget =
    options.budget ?? (options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs });
  try {
    const gitLink = await readGitLink(worktree.path);
    const run = await runWithinBudget(options.harness, {
      role: 'developer',
      prompt: [assignmentInstructionsText(assignment), options.promptAddendum ?? '']
        .filter((part) => part !== '')
        .join('\n\n'),
      workingDirectory: worktree.path,
      filesInScope: assignment.file_targets,
      budget,
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
    options.onRun?.(run);
    // Before any git command runs in the worktree again: it must still be Hyperion's repository.
    const tampered = await restoreChangedGitLink(gitLink);
    if (tampered !== undefined) {
      throw new HyperionError('unsafe_path', `${assignment.task_id}: ${tampered}`, {
        details: { taskId: assignment.task_id, path: '.git' },
      });
    }
    if (run.status !== 'ok') {
      const reason = oneLine(run.error ?? run.text);
      const code = run.status === 'failed' ? failureCode(options.harness.harnessId, reason) : 'agent_failed';
      throw new HyperionError(code, `${assignment.task_id}: ${reason}`, {
        details: { taskId: assignment.task_id, status: run.status },
      });
    }
    // The agent (or what it left running) may rewrite `.git` at any time: git is told where to look.
    const pinned = worktree.pinnedTo(gitLink.gitDirectory);
    const changed = await pinned.changedFiles(options.baseCommit);
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
    const diff = await pinned.diffAgainst(options.baseCommit);
    if (diff === '') {
      throw new HyperionError('agent_failed', `${assignment.task_id}: the developer made no change`, {
        details: { taskId: assignment.task_id },
      });
    }
    const checks = await runChecks(planned, worktree.path, options);
    const changes = fileChangesFromDiff(diff, changed);
    return {
      run,
      checks,
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
