import * as z from 'zod';
import { RepoPathSchema, type TaskRequest } from '@hyperion/schema';
import type { AgentBudget, AgentHarnessV1, AgentRunResult } from '@hyperion/harness';
import type { BaseFiles } from './base-files.js';
import { scopeByRules, type ScopedRequest } from './engineer.js';

/** What a model engineer must answer: the scope of a request, as structured output. */
export const ScopedRequestOutputSchema = z
  .strictObject({
    classification: z.enum(['feature', 'bugfix', 'refactor', 'docs']),
    acceptance_criteria: z.array(z.string().min(1)).min(1),
    target_files: z
      .array(z.strictObject({ path: RepoPathSchema, new: z.boolean() }))
      .describe('Every file to change; new: true when the file is to be created.'),
    risk: z.enum(['low', 'medium', 'high']),
    open_questions: z.array(z.string().min(1)),
  })
  .describe('The scope of a task request.');
/** A model engineer's answer. */
export type ScopedRequestOutput = z.infer<typeof ScopedRequestOutputSchema>;

/** JSON Schema of {@link ScopedRequestOutputSchema}, given to the harness as `outputSchema`. */
export function scopedRequestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ScopedRequestOutputSchema, { unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Options of {@link scopeWithModel}. */
export interface ModelEngineerOptions {
  /** The agent harness the engineer runs on. */
  harness: AgentHarnessV1;
  /** Where the agent runs (the repository root: it reads, it must not write). */
  workingDirectory: string;
  /** The files of the base commit. */
  baseFiles: BaseFiles;
  /** The run's budget, enforced by the controller whatever the harness does. */
  budget?: AgentBudget;
  /** Aborts the run. */
  signal?: AbortSignal;
}

function engineerPrompt(request: TaskRequest): string {
  return [
    'You are the engineer of a multi-agent coding system. Clarify the scope of this task request;',
    'do not edit any file. Answer with JSON only, matching the output schema: classification,',
    'acceptance_criteria, target_files (each existing file with new: false, each file to create',
    'with new: true), risk, open_questions.',
    '',
    JSON.stringify(request, null, 2),
  ].join('\n');
}

/**
 * The model-backed engineer: asks the harness for a structured scope and checks it with the
 * schema. Files it adds become requested changes (marked created when it says they are new).
 * When the run fails or its output does not parse, the deterministic scope is used and recorded
 * as a fallback with the reason. Open questions are computed again over the result by the same
 * rules: a path missing at the base is a file to create unless it is a near miss of an existing one.
 */
export async function scopeWithModel(
  request: TaskRequest,
  requestId: string,
  options: ModelEngineerOptions,
): Promise<{ scoped: ScopedRequest; run: AgentRunResult }> {
  const run = await options.harness.run({
    role: 'engineer',
    prompt: engineerPrompt(request),
    workingDirectory: options.workingDirectory,
    filesInScope: [],
    outputSchema: scopedRequestJsonSchema(),
    budget: options.budget,
    abortSignal: options.signal,
  });
  const fallback = (reason: string) => ({
    scoped: {
      ...scopeByRules(request, requestId, options.baseFiles),
      source: 'fallback' as const,
      fallbackReason: reason,
    },
    run,
  });
  if (run.status !== 'ok') return fallback(`the engineer run ended ${run.status}: ${run.error ?? ''}`.trim());
  let candidate: unknown = run.structuredOutput;
  if (candidate === undefined) {
    try {
      candidate = JSON.parse(run.text) as unknown;
    } catch {
      return fallback('the engineer output is not JSON');
    }
  }
  const parsed = ScopedRequestOutputSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fallback(
      `the engineer output does not match the schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const output = parsed.data;
  const known = new Set(request.requested_changes.map((change) => change.path));
  const added = output.target_files
    .filter((file) => !known.has(file.path))
    .map((file) => ({
      path: file.path,
      summary: request.summary,
      ...(file.new ? { operation: 'create' as const } : {}),
    }));
  const merged: TaskRequest = { ...request, requested_changes: [...request.requested_changes, ...added] };
  const rules = scopeByRules(merged, requestId, options.baseFiles);
  return {
    scoped: {
      ...rules,
      classification: output.classification,
      acceptanceCriteria: output.acceptance_criteria,
      risk: rules.risk === 'high' ? 'high' : output.risk,
      advisoryQuestions: output.open_questions,
      source: 'model',
    },
    run,
  };
}
