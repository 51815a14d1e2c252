import * as z from 'zod';

/**
 * A budget on a whole request: every agent run it makes (engineer, orchestrator, developers,
 * re-dispatches) counts against it. Each limit is optional; a missing limit is no limit.
 */
export const RequestBudgetSchema = z
  .strictObject({
    max_tokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Input plus output tokens over all agent runs of the request (cached input included in input).',
      ),
    max_credits: z
      .number()
      .positive()
      .optional()
      .describe('Credits (premium requests, or USD when the agent reports cost) over all agent runs.'),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Wall-clock time from the start of the request to the end of its last agent run.'),
  })
  .describe('A budget over every agent run of one request.');
/** A budget over every agent run of one request. */
export type RequestBudget = z.infer<typeof RequestBudgetSchema>;

/**
 * What a request does when some of its developers fail: `all_or_nothing` enqueues nothing (the
 * request fails), `land_succeeded` enqueues the assignments that succeeded and reports the others.
 */
export const PartialFailurePolicySchema = z
  .enum(['all_or_nothing', 'land_succeeded'])
  .describe(
    'all_or_nothing: when one developer fails nothing is enqueued. land_succeeded: the assignments that succeeded go ahead into the queue; the others are reported as failed.',
  );
/** What a request does when some of its developers fail. */
export type PartialFailurePolicy = z.infer<typeof PartialFailurePolicySchema>;

/**
 * The budget that applies to a request: for each limit, the smaller of the request's own and the
 * configured one (the configuration is the operator's ceiling; a request may only ask for less).
 */
export function effectiveRequestBudget(
  fromRequest: RequestBudget | undefined,
  fromConfig: RequestBudget | undefined,
): RequestBudget {
  const smaller = (a: number | undefined, b: number | undefined) =>
    a === undefined ? b : b === undefined ? a : Math.min(a, b);
  const budget: RequestBudget = {};
  const tokens = smaller(fromRequest?.max_tokens, fromConfig?.max_tokens);
  const credits = smaller(fromRequest?.max_credits, fromConfig?.max_credits);
  const timeout = smaller(fromRequest?.timeout_ms, fromConfig?.timeout_ms);
  if (tokens !== undefined) budget.max_tokens = tokens;
  if (credits !== undefined) budget.max_credits = credits;
  if (timeout !== undefined) budget.timeout_ms = timeout;
  return budget;
}
