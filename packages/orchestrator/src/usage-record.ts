import type { AgentRunResult } from '@hyperion/harness';
import type { AgentRunRole, NewAssignmentRun } from '@hyperion/store';

/** One agent run as the pipeline saw it, before it is stored. */
export interface ObservedRun {
  role: AgentRunRole;
  taskId: string | null;
  harness: string;
  result: AgentRunResult;
  /** The controller's verdict when it differs from the harness's status (`checks-failed`…). */
  status?: string;
  error?: string | null;
  changeId?: string | null;
  attempt?: number;
  data?: Record<string, unknown>;
}

/**
 * The store row of an observed run: usage numbers only when the harness reported them (the cached
 * input tokens in `data.cached_input_tokens`).
 */
export function assignmentRunRecord(requestId: string, observed: ObservedRun): NewAssignmentRun {
  const { usage } = observed.result;
  const number = (value: number | undefined) => (usage.reported && value !== undefined ? value : null);
  return {
    request_id: requestId,
    task_id: observed.taskId,
    role: observed.role,
    attempt: observed.attempt ?? 1,
    harness: observed.harness,
    status: observed.status ?? observed.result.status,
    input_tokens: number(usage.inputTokens),
    output_tokens: number(usage.outputTokens),
    cost_usd: number(usage.costUsd),
    credits: number(usage.credits),
    duration_ms: observed.result.durationMs,
    change_id: observed.changeId ?? null,
    error: observed.error ?? observed.result.error ?? null,
    data: {
      ...observed.data,
      // The store has no column for it: the raw cached-input count rides in the run's data.
      ...(usage.reported && usage.cachedInputTokens !== undefined
        ? { cached_input_tokens: usage.cachedInputTokens }
        : {}),
    },
  };
}
