import { HyperionError, type PartialFailurePolicy } from '@hyperion/schema';

/** One assignment whose developer failed, and why. */
export interface FailedAssignment {
  /** The assignment. */
  task_id: string;
  /** The error code (`agent_failed`, `budget_exceeded`…). */
  code: string;
  /** Why it failed (one line). */
  message: string;
}

/** What the pipeline does with developers' results when some failed. */
export type PartialLandingDecision =
  | { action: 'enqueue_all' }
  | { action: 'fail' }
  | { action: 'enqueue_succeeded'; failed: FailedAssignment[] };

/**
 * Decides, by policy, what becomes of a request whose developers did not all succeed:
 * `all_or_nothing` fails the request; `land_succeeded` enqueues the ones that succeeded (when at
 * least one did) and reports the others. A spent request budget always fails the request.
 */
export function decidePartialLanding(
  policy: PartialFailurePolicy,
  succeeded: number,
  failed: FailedAssignment[],
  budgetSpent: boolean,
): PartialLandingDecision {
  if (failed.length === 0) return { action: 'enqueue_all' };
  if (budgetSpent || policy === 'all_or_nothing' || succeeded === 0) return { action: 'fail' };
  return { action: 'enqueue_succeeded', failed };
}

/** The one-line reason stored on a request that landed only some of its assignments. */
export function partialReason(failed: readonly FailedAssignment[], total: number): string {
  return `${failed.length} of ${total} assignment(s) failed and were not enqueued (on_partial_failure: land_succeeded): ${failed
    .map((item) => `${item.task_id}: ${item.message}`)
    .join('; ')}`;
}

/** A failed developer run as a {@link FailedAssignment}. */
export function failedAssignment(taskId: string, error: unknown): FailedAssignment {
  return {
    task_id: taskId,
    code: HyperionError.isInstance(error) ? error.code : 'internal',
    message: error instanceof Error ? error.message : String(error),
  };
}
