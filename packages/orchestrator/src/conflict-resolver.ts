import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitRepository } from '@hyperion/git';
import type { AgentBudget, AgentHarnessV1, AgentRunResult } from '@hyperion/harness';
import type { ChangeRequest, QueueEntry } from '@hyperion/schema';
import { hasConflictMarkers, markUpConflicts, type MarkedUpFile } from './conflict-markup.js';
import { runWithinBudget } from './run-within-budget.js';
import { fileChangesFromDiff } from './worktree-changes.js';
import { readGitLink, restoreChangedGitLink } from './worktree-git-link.js';

/** What the resolver is told the change was for: the assignment's summary and instructions. */
export interface ChangeIntent {
  /** The assignment's one-line summary. */
  summary: string;
  /** The assignment's instructions to its developer. */
  instructions: readonly string[];
}

/** Options of {@link runConflictResolver}. */
export interface ConflictResolverOptions {
  /** The repository whose new tip the resolution is made against. */
  repository: GitRepository;
  /** The harness the resolver agent runs on. */
  harness: AgentHarnessV1;
  /** Where the resolver's worktree is created. */
  worktreesDirectory: string;
  /** The branch's new tip: the resolution is a patch against it. */
  tip: string;
  /** What the conflicted change was for, given to the resolver agent. */
  intent: ChangeIntent;
  /** Limits of the resolver's agent run. */
  budget?: AgentBudget;
  /** Stops the resolver's agent run. */
  signal?: AbortSignal;
}

/** Why a resolver attempt produced no change. */
export type ResolverFailureKind =
  /** No 3-way merge with markers can be made (no base, binary file, a delete on one side…). */
  | 'not_possible'
  /** The agent run did not end `ok` (the stub always says it cannot resolve). */
  | 'agent_failed'
  /** The agent edited a file other than the conflicted ones. */
  | 'refused'
  /** Conflict markers are left in a conflicted file. */
  | 'markers_left'
  /** The result equals the tip: the change would be dropped. */
  | 'no_change';

/** What {@link runConflictResolver} did. */
export type ResolverOutcome =
  | { outcome: 'resolved'; changeRequest: ChangeRequest; conflictedFiles: string[]; run?: AgentRunResult }
  | {
      outcome: 'failed';
      kind: ResolverFailureKind;
      reason: string;
      conflictedFiles: string[];
      run?: AgentRunResult;
    };

/**
 * The resolver tier's one attempt: in a worktree at `options.tip`, the conflicted entry's files are
 * written as a real 3-way merge (`git merge-file` of base, tip and the change's version), the
 * conflicted ones with their markers; the resolver agent (role `resolver`) gets them, both sides
 * and the change's intent, and may edit only them. Hyperion then checks what it did — no file but
 * the conflicted ones changed, no marker left — and makes the change request from the worktree's
 * diff against the tip. When every file merges cleanly no agent runs. The worktree is removed
 * afterwards, whatever happened.
 */
export async function runConflictResolver(
  entry: QueueEntry,
  options: ConflictResolverOptions,
): Promise<ResolverOutcome> {
  const worktreePath = join(
    options.worktreesDirectory,
    `resolver-${process.pid}-${entry.id}-${Date.now().toString(36)}`,
  );
  const worktree = await options.repository.addWorktree(worktreePath, options.tip);
  try {
    const gitLink = await readGitLink(worktree.path);
    const markup = await markUpConflicts(options.repository, worktree, entry, options.tip);
    if (markup.outcome === 'impossible') {
      return { outcome: 'failed', kind: 'not_possible', reason: markup.reason, conflictedFiles: [] };
    }
    const conflicted = markup.files.filter((file) => file.conflicted);
    const conflictedFiles = conflicted.map((file) => file.path);
    let run: AgentRunResult | undefined;
    if (conflicted.length > 0) {
      run = await runWithinBudget(options.harness, {
        role: 'resolver',
        prompt: resolverPrompt(entry, options, conflicted),
        workingDirectory: worktree.path,
        filesInScope: conflictedFiles,
        budget: options.budget,
        abortSignal: options.signal,
        metadata: { taskId: entry.task_id, changeId: entry.id, conflictedFiles },
      });
      // Before any git command runs in the worktree again: it must still be Hyperion's repository.
      const tampered = await restoreChangedGitLink(gitLink);
      if (tampered !== undefined)
        return { outcome: 'failed', kind: 'refused', reason: tampered, conflictedFiles, run };
      if (run.status !== 'ok') {
        const reason = `${run.status}: ${oneLine(run.error ?? run.text) || 'the resolver gave no reason'}`;
        return { outcome: 'failed', kind: 'agent_failed', reason, conflictedFiles, run };
      }
    }
    // The agent (or what it left running) may rewrite `.git` at any time: git is told where to look.
    const pinned = worktree.pinnedTo(gitLink.gitDirectory);
    const failure = await checkResolution(worktree.path, options.tip, pinned, markup.files);
    if (failure !== undefined) return { ...failure, outcome: 'failed', conflictedFiles, ...withRun(run) };
    const diff = await pinned.diffAgainst(options.tip);
    if (diff === '') {
      return {
        outcome: 'failed',
        kind: 'no_change',
        reason: 'the resolution leaves the tip as it is: the change would be dropped',
        conflictedFiles,
        ...withRun(run),
      };
    }
    return {
      outcome: 'resolved',
      changeRequest: await changeRequestFrom(entry, options, diff, pinned),
      conflictedFiles,
      ...withRun(run),
    };
  } finally {
    await options.repository.removeWorktree(worktreePath);
  }
}

function withRun(run: AgentRunResult | undefined): { run?: AgentRunResult } {
  return run === undefined ? {} : { run };
}

/** Hostile output: only the conflicted files may differ from what Hyperion wrote, and no marker may stay. */
async function checkResolution(
  root: string,
  tip: string,
  worktree: { changedFiles(base: string): Promise<Array<{ path: string }>> },
  files: readonly MarkedUpFile[],
): Promise<{ kind: ResolverFailureKind; reason: string } | undefined> {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const touched: string[] = [];
  for (const changed of await worktree.changedFiles(tip)) {
    const file = byPath.get(changed.path);
    if (file === undefined) touched.push(changed.path);
  }
  for (const file of files) {
    if (file.conflicted) continue;
    if ((await readOrNull(join(root, file.path))) !== file.merged) touched.push(file.path);
  }
  if (touched.length > 0) {
    return {
      kind: 'refused',
      reason: `the resolver edited files other than the conflicted ones: ${touched.sort().join(', ')}`,
    };
  }
  const marked: string[] = [];
  for (const file of files.filter((candidate) => candidate.conflicted)) {
    const content = await readOrNull(join(root, file.path));
    if (content !== null && hasConflictMarkers(content)) marked.push(file.path);
  }
  if (marked.length > 0) {
    return { kind: 'markers_left', reason: `conflict markers are left in ${marked.join(', ')}` };
  }
  return undefined;
}

async function changeRequestFrom(
  entry: QueueEntry,
  options: ConflictResolverOptions,
  diff: string,
  worktree: { changedFiles(base: string): Promise<Array<{ path: string; status: string }>> },
): Promise<ChangeRequest> {
  const changes = fileChangesFromDiff(diff, await worktree.changedFiles(options.tip));
  return {
    task_id: entry.task_id,
    ...(entry.request_id === null ? {} : { request_id: entry.request_id }),
    agent: options.harness.harnessId,
    base_commit: options.tip,
    summary: entry.summary,
    changes,
  };
}

function resolverPrompt(
  entry: QueueEntry,
  options: ConflictResolverOptions,
  conflicted: readonly MarkedUpFile[],
): string {
  const paths = conflicted.map((file) => file.path);
  return [
    `You are a conflict resolver. A change made for an assignment conflicts with ${entry.target_branch}: both changed the same lines since the change's base commit.`,
    `The change's intent: ${options.intent.summary}`,
    ...options.intent.instructions,
    `These files now hold the 3-way merge, with conflict markers (<<<<<<< tip, ||||||| base, =======, >>>>>>> change) around each conflict: ${paths.join(', ')}.`,
    `Edit only these files: ${paths.join(', ')}. Remove every marker: keep the branch's newer content and carry out the change's intent on top of it. Change no other file.`,
    ...conflicted.flatMap((file) => [
      `--- ${file.path} on ${entry.target_branch} (the tip's side):`,
      file.tip ?? '(absent)',
      `--- ${file.path} as the change made it (the change's side):`,
      file.change ?? '(absent)',
    ]),
  ].join('\n');
}

/** The agent's own words, on one line and cut short: they go into events and reports. */
function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH)}…` : line;
}

const MAX_REASON_LENGTH = 500;

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}
