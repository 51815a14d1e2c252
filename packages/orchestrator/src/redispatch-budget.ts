import {
  RequestBudgetSchema,
  effectiveRequestBudget,
  type HyperionConfig,
  type RequestBudget,
} from '@hyperion/schema';
import { cachedInputTokens, type HyperionStore, type RequestRecord } from '@hyperion/store';
import { RequestBudgetController } from './request-budget.js';

/** The budget a request ran under, as its stored body records it (none when it had none). */
function storedBudget(body: unknown): RequestBudget | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const parsed = RequestBudgetSchema.safeParse((body as Record<string, unknown>)['budget']);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The budget controller of a re-dispatch: the request's budget (its stored one, capped by the
 * configuration now), with what every earlier run of the request spent already counted and the
 * wall time counted from when the request was received.
 */
export async function redispatchBudget(
  store: HyperionStore,
  request: RequestRecord,
  config: HyperionConfig,
  now: () => number = Date.now,
): Promise<RequestBudgetController> {
  const runs = await store.listAssignmentRuns({ requestId: request.id });
  const spent = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, credits: 0, runs: runs.length };
  for (const run of runs) {
    spent.input_tokens += run.input_tokens ?? 0;
    spent.cached_input_tokens += cachedInputTokens(run) ?? 0;
    spent.output_tokens += run.output_tokens ?? 0;
    spent.credits += run.credits ?? run.cost_usd ?? 0;
  }
  const startedAt = Date.parse(request.created_at);
  return new RequestBudgetController(
    request.id,
    effectiveRequestBudget(storedBudget(request.body), config.orchestrator.request_budget),
    { spent, now, ...(Number.isNaN(startedAt) ? {} : { startedAt }) },
  );
}
