import { posix } from 'node:path';
import { HyperionError, type RequestedChange, type TaskAssignment } from '@hyperion/schema';
import type { DecompositionPolicy } from './decomposition-policy.js';
import type { ScopedRequest } from './engineer.js';
import { tokenCount } from './token-count.js';

/** An assignment together with the explicit edits the requester gave for its files. */
export interface PlannedAssignment {
  /** The assignment. */
  assignment: TaskAssignment;
  /** The requested changes whose files this assignment owns. */
  changes: RequestedChange[];
  /** Tokens of the assignment's context: its instructions plus the contents of its files. */
  contextTokens: number;
}

/** A group of files that must go to one developer, before it is sized. */
export interface AssignmentDraft {
  /** One line saying what the assignment does. */
  summary: string;
  /** The repository paths the assignment owns. */
  files: string[];
  /** What the developer is asked to do, one item per requested change. */
  instructions: string[];
  /**
   * True when the file limit applies (files grouped by the rules); requester-made assignments keep
   * their files together unless the token budget forces a split.
   */
  splittable: boolean;
  /** The requester's task id, kept when the draft is neither merged away nor split. */
  taskId?: string;
}

/** What {@link decompose} needs besides the scoped request. */
export interface DecomposeOptions {
  /** The commit every developer starts from. */
  baseCommit: string;
  /** The rules the assignments must satisfy. */
  policy: DecompositionPolicy;
  /** Contents of the existing target files at the base commit (new files are absent). */
  contents: ReadonlyMap<string, string>;
  /** The phase the assignments belong to, when the request has several (see `phase-plan.ts`). */
  phase?: number;
  /** Assignments planned before these (earlier phases): generated task ids are numbered after them. */
  taskNumberOffset?: number;
}

/** The text a developer is given, before file contents: counted towards the context. */
export function assignmentInstructionsText(
  assignment: Pick<TaskAssignment, 'summary' | 'file_targets' | 'instructions' | 'checks'>,
): string {
  return [
    `You are a developer. ${assignment.summary}`,
    `Edit only these files: ${assignment.file_targets.join(', ')}.`,
    ...assignment.instructions,
    ...(assignment.checks === undefined ? [] : [`These checks must pass: ${assignment.checks.join('; ')}`]),
  ].join('\n');
}

function fileContextTokens(path: string, contents: ReadonlyMap<string, string>): number {
  return tokenCount(`--- ${path}\n${contents.get(path) ?? ''}\n`);
}

/** Changes of `request` grouped per path, in the order paths first appear. */
function changesByPath(changes: readonly RequestedChange[]): Map<string, RequestedChange[]> {
  const byPath = new Map<string, RequestedChange[]>();
  for (const change of changes) byPath.set(change.path, [...(byPath.get(change.path) ?? []), change]);
  return byPath;
}

/**
 * Merges drafts that share a file (union-find): ownership becomes disjoint by construction, and
 * work on one file always goes to one developer.
 */
export function mergeOverlapping(drafts: readonly AssignmentDraft[]): AssignmentDraft[] {
  const parent = drafts.map((_, index) => index);
  const find = (index: number): number => {
    while (parent[index] !== index) index = parent[index] = parent[parent[index]!]!;
    return index;
  };
  const owner = new Map<string, number>();
  drafts.forEach((draft, index) => {
    for (const file of draft.files) {
      const previous = owner.get(file);
      if (previous === undefined) owner.set(file, index);
      else parent[find(index)] = find(previous);
    }
  });
  const merged = new Map<number, AssignmentDraft>();
  drafts.forEach((draft, index) => {
    const root = find(index);
    const existing = merged.get(root);
    if (existing === undefined) {
      merged.set(root, { ...draft, files: [...new Set(draft.files)] });
      return;
    }
    existing.files = [...new Set([...existing.files, ...draft.files])];
    existing.instructions = [...existing.instructions, ...draft.instructions];
    if (!existing.summary.includes(draft.summary)) existing.summary = `${existing.summary}; ${draft.summary}`;
    existing.splittable = existing.splittable && draft.splittable;
  });
  return [...merged.values()];
}

/** Groups loose files by the policy's rule (per file, or per directory). */
export function groupFiles(
  files: readonly string[],
  policy: Pick<DecompositionPolicy, 'groupBy'>,
  summaryOf: (files: string[]) => string,
  instructionsOf: (files: string[]) => string[],
): AssignmentDraft[] {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const key = policy.groupBy === 'file' ? file : posix.dirname(file);
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  return [...groups.values()].map((group) => ({
    summary: summaryOf(group),
    files: group,
    instructions: instructionsOf(group),
    splittable: true,
  }));
}

/**
 * Cuts a draft into parts that each fit the policy's file limit and token budget, keeping files in
 * order. A file that cannot fit even alone is an `invalid_input` error naming it and the budget.
 */
export function sizeDraft(
  draft: AssignmentDraft,
  policy: DecompositionPolicy,
  contents: ReadonlyMap<string, string>,
): AssignmentDraft[] {
  const overhead = tokenCount(
    assignmentInstructionsText({
      summary: draft.summary,
      file_targets: draft.files,
      instructions: draft.instructions,
      checks: policy.checks,
    }),
  );
  const parts: AssignmentDraft[] = [];
  let current: string[] = [];
  let used = overhead;
  for (const file of draft.files) {
    const cost = fileContextTokens(file, contents);
    if (overhead + cost > policy.tokenBudget) {
      throw new HyperionError(
        'invalid_input',
        `'${file}' alone needs ${overhead + cost} tokens of context, over the budget of ${policy.tokenBudget} (${policy.budgetSource}); split the file or raise the budget`,
        { details: { path: file, tokens: overhead + cost, budget: policy.tokenBudget } },
      );
    }
    const full =
      (draft.splittable && current.length >= policy.maxFilesPerAssignment) ||
      used + cost > policy.tokenBudget;
    if (current.length > 0 && full) {
      parts.push({ ...draft, files: current });
      current = [];
      used = overhead;
    }
    current.push(file);
    used += cost;
  }
  if (current.length > 0) parts.push({ ...draft, files: current });
  if (parts.length > 1 && draft.taskId !== undefined) {
    return parts.map((part, index) => ({ ...part, taskId: `${draft.taskId}-${index + 1}` }));
  }
  return parts;
}

/**
 * Turns sized drafts into assignments with ids, checks and their context's token count, and
 * checks the result: ownership disjoint, every requested file owned, every context within budget.
 */
export function finishAssignments(
  scoped: ScopedRequest,
  drafts: readonly AssignmentDraft[],
  options: DecomposeOptions,
): PlannedAssignment[] {
  const { requestId, request } = scoped;
  const byPath = changesByPath(request.requested_changes);
  const planned = drafts.map((draft, index) => {
    const assignment: TaskAssignment = {
      task_id: draft.taskId ?? `${requestId}-${(options.taskNumberOffset ?? 0) + index + 1}`,
      parent_request_id: requestId,
      summary: draft.summary,
      file_targets: draft.files,
      instructions: draft.instructions,
      checks: options.policy.checks,
      base_commit: options.baseCommit,
      ...(options.phase === undefined ? {} : { phase: options.phase }),
    };
    const contextTokens =
      tokenCount(assignmentInstructionsText(assignment)) +
      draft.files.reduce((sum, file) => sum + fileContextTokens(file, options.contents), 0);
    return {
      assignment,
      changes: draft.files.flatMap((file) => byPath.get(file) ?? []),
      contextTokens,
    };
  });
  assertDisjoint(planned);
  const owned = new Set(planned.flatMap((item) => item.assignment.file_targets));
  const orphan = scoped.targetFiles.find((file) => !owned.has(file.path));
  if (orphan !== undefined) {
    throw new HyperionError('internal', `target file '${orphan.path}' is not owned by any assignment`, {
      details: { path: orphan.path },
    });
  }
  return planned;
}

/** Throws when two assignments own one file (a bug of whoever made them: they are built disjoint). */
export function assertDisjoint(planned: readonly PlannedAssignment[]): void {
  const owner = new Map<string, string>();
  for (const { assignment } of planned) {
    for (const path of assignment.file_targets) {
      const previous = owner.get(path);
      if (previous !== undefined) {
        throw new HyperionError(
          'internal',
          `assignments ${previous} and ${assignment.task_id} both own '${path}'; file ownership must be disjoint`,
          { details: { path, assignments: [previous, assignment.task_id] } },
        );
      }
      owner.set(path, assignment.task_id);
    }
  }
}

/** The drafts a request implies before sizing: the requester's assignments, then loose files grouped. */
export function draftsOfRequest(scoped: ScopedRequest, policy: DecompositionPolicy): AssignmentDraft[] {
  const { request } = scoped;
  const byPath = changesByPath(request.requested_changes);
  const given: AssignmentDraft[] = (request.assignments ?? []).map((assignment) => {
    if (assignment.parent_request_id !== scoped.requestId) {
      throw new HyperionError(
        'schema_violation',
        `assignment ${assignment.task_id}: parent_request_id is '${assignment.parent_request_id}' but the request is '${scoped.requestId}'`,
      );
    }
    return {
      summary: assignment.summary,
      files: assignment.file_targets,
      instructions: assignment.instructions,
      splittable: false,
      taskId: assignment.task_id,
    };
  });
  const covered = new Set(given.flatMap((draft) => draft.files));
  const loose = [...byPath.keys()].filter((path) => !covered.has(path));
  const instructionsOf = (files: string[]) =>
    files.flatMap((file) =>
      (byPath.get(file) ?? []).flatMap((change) =>
        change.summary === undefined ? [] : [`${file}: ${change.summary}`],
      ),
    );
  const summaryOf = (files: string[]) => {
    const summaries = files.flatMap((file) => (byPath.get(file) ?? []).map((change) => change.summary));
    return files.length === 1 && summaries[0] !== undefined ? summaries[0] : request.summary;
  };
  return [...given, ...groupFiles(loose, policy, summaryOf, instructionsOf)];
}

/**
 * The deterministic orchestrator. Requester-made assignments are kept (merged when they overlap);
 * the other requested files are grouped by the policy (per directory or per file), each group cut
 * to the file limit and the token budget (counted with a real tokenizer over instructions and the
 * files' contents). Ownership is disjoint by construction; every assignment carries the checks.
 */
export function decompose(scoped: ScopedRequest, options: DecomposeOptions): PlannedAssignment[] {
  const merged = mergeOverlapping(draftsOfRequest(scoped, options.policy));
  const sized = merged.flatMap((draft) => sizeDraft(draft, options.policy, options.contents));
  return finishAssignments(scoped, sized, options);
}
