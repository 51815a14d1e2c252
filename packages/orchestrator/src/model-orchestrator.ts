import * as z from 'zod';
import type { AgentBudget, AgentHarnessV1, AgentRunResult } from '@hyperion/harness';
import {
  decompose,
  draftsOfRequest,
  finishAssignments,
  groupFiles,
  mergeOverlapping,
  sizeDraft,
  type AssignmentDraft,
  type DecomposeOptions,
  type PlannedAssignment,
} from './decompose.js';
import type { ScopedRequest } from './engineer.js';

/** What a model orchestrator must answer. Checks are not part of it: they come from policy. */
export const DecompositionOutputSchema = z
  .strictObject({
    assignments: z
      .array(
        z.strictObject({
          summary: z.string().min(1),
          files: z.array(z.string().min(1)),
          instructions: z.array(z.string()).default([]),
        }),
      )
      .min(1),
  })
  .describe('A decomposition of a scoped request into developer assignments.');

/** What {@link decomposeWithModel} produced. */
export interface ModelDecomposition {
  /** The assignments, validated (and repaired when needed). */
  planned: PlannedAssignment[];
  /** What was wrong with the model's answer and how it was repaired (empty when nothing was). */
  repairs: string[];
  /** `model` when the (repaired) answer was used; `fallback` when the rules were. */
  source: 'model' | 'fallback';
  /** Why the rules were used instead of the model's answer, when they were. */
  fallbackReason?: string;
  /** The orchestrator's agent run (usage is recorded from it). */
  run: AgentRunResult;
}

/** Options of {@link decomposeWithModel}. */
export interface ModelOrchestratorOptions extends DecomposeOptions {
  /** The agent harness the orchestrator runs on. */
  harness: AgentHarnessV1;
  /** Where the agent runs (the repository root: it reads, it must not write). */
  workingDirectory: string;
  /** The run's budget, enforced by the controller whatever the harness does. */
  budget?: AgentBudget;
  /** Aborts the run. */
  signal?: AbortSignal;
}

function orchestratorPrompt(scoped: ScopedRequest, options: DecomposeOptions): string {
  return [
    'You are the orchestrator of a multi-agent coding system. Split this scoped request into small,',
    'independent developer assignments. Every target file belongs to exactly one assignment;',
    `at most ${options.policy.maxFilesPerAssignment} files per assignment. Answer with JSON only.`,
    '',
    JSON.stringify(
      {
        summary: scoped.request.summary,
        description: scoped.request.description,
        target_files: scoped.targetFiles,
        acceptance_criteria: scoped.acceptanceCriteria,
      },
      null,
      2,
    ),
  ].join('\n');
}

/**
 * Checks a model's decomposition against the rules and repairs it: files outside the request are
 * dropped, a file claimed twice stays with its first owner, target files nobody claimed are
 * grouped by the rules, oversized assignments are cut to the file limit and token budget, and the
 * checks are always the policy's. Never trusted as given.
 */
export function repairDecomposition(
  scoped: ScopedRequest,
  output: z.infer<typeof DecompositionOutputSchema>,
  options: DecomposeOptions,
): { planned: PlannedAssignment[]; repairs: string[] } {
  const repairs: string[] = [];
  const targets = new Set(scoped.targetFiles.map((file) => file.path));
  const owned = new Set<string>();
  const drafts: AssignmentDraft[] = [];
  output.assignments.forEach((assignment, index) => {
    const files: string[] = [];
    for (const file of assignment.files) {
      if (!targets.has(file)) {
        repairs.push(`assignment ${index + 1}: dropped '${file}', which the request does not target`);
      } else if (owned.has(file)) {
        repairs.push(`assignment ${index + 1}: dropped '${file}', already owned by an earlier assignment`);
      } else {
        owned.add(file);
        files.push(file);
      }
    }
    if (files.length === 0) {
      repairs.push(`assignment ${index + 1}: dropped, it owns no target file`);
      return;
    }
    drafts.push({
      summary: assignment.summary,
      files,
      instructions: assignment.instructions,
      splittable: true,
    });
  });
  const orphans = [...targets].filter((file) => !owned.has(file));
  if (orphans.length > 0) {
    repairs.push(`unassigned target files grouped by the rules: ${orphans.join(', ')}`);
    drafts.push(
      ...groupFiles(
        orphans,
        options.policy,
        () => scoped.request.summary,
        () => [],
      ),
    );
  }
  const sized = mergeOverlapping(drafts).flatMap((draft) => {
    const parts = sizeDraft(draft, options.policy, options.contents);
    if (parts.length > 1) {
      repairs.push(
        `split '${draft.summary}' (${draft.files.length} files) into ${parts.length} assignments to fit the limits`,
      );
    }
    return parts;
  });
  return { planned: finishAssignments(scoped, sized, options), repairs };
}

/**
 * The model-backed orchestrator: asks the harness for a decomposition (structured output), then
 * repairs it with {@link repairDecomposition}. When the run fails or its output does not parse, the
 * deterministic decomposition is used, recorded as a fallback. Requester-made assignments are
 * kept as given (merged when they overlap) without asking the model.
 */
export async function decomposeWithModel(
  scoped: ScopedRequest,
  options: ModelOrchestratorOptions,
): Promise<ModelDecomposition | { planned: PlannedAssignment[]; repairs: string[]; source: 'requester' }> {
  if ((scoped.request.assignments ?? []).length > 0) {
    const planned = finishAssignments(
      scoped,
      mergeOverlapping(draftsOfRequest(scoped, options.policy)).flatMap((draft) =>
        sizeDraft(draft, options.policy, options.contents),
      ),
      options,
    );
    return { planned, repairs: [], source: 'requester' };
  }
  const run = await options.harness.run({
    role: 'orchestrator',
    prompt: orchestratorPrompt(scoped, options),
    workingDirectory: options.workingDirectory,
    filesInScope: [],
    outputSchema: z.toJSONSchema(DecompositionOutputSchema, { io: 'input' }) as Record<string, unknown>,
    budget: options.budget,
    abortSignal: options.signal,
  });
  const fallback = (reason: string): ModelDecomposition => ({
    planned: decompose(scoped, options),
    repairs: [],
    source: 'fallback',
    fallbackReason: reason,
    run,
  });
  if (run.status !== 'ok')
    return fallback(`the orchestrator run ended ${run.status}: ${run.error ?? ''}`.trim());
  let candidate: unknown = run.structuredOutput;
  if (candidate === undefined) {
    try {
      candidate = JSON.parse(run.text) as unknown;
    } catch {
      return fallback('the orchestrator output is not JSON');
    }
  }
  const parsed = DecompositionOutputSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fallback(
      `the orchestrator output does not match the schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return { ...repairDecomposition(scoped, parsed.data, options), source: 'model', run };
}
