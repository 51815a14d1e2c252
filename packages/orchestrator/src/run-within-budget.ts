import type { AgentHarnessV1, AgentRunRequest, AgentRunResult, AgentUsage } from '@hyperion/harness';

/** How long past its timeout a harness may take to stop before the controller stops waiting. */
const STOP_GRACE_MS = 2_000;

function usedTokens(usage: AgentUsage): number {
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

/**
 * Why a run's reported usage is over its budget, or undefined when it is within it (or did not
 * report the number the budget limits).
 */
export function budgetOverrun(result: AgentRunResult, budget: AgentRunRequest['budget']): string | undefined {
  if (budget === undefined || !result.usage.reported) return undefined;
  const tokens = usedTokens(result.usage);
  if (budget.maxTokens !== undefined && tokens > budget.maxTokens) {
    return `the run used ${tokens} tokens, over its budget of ${budget.maxTokens}`;
  }
  const credits = result.usage.credits ?? result.usage.costUsd;
  if (budget.maxCredits !== undefined && credits !== undefined && credits > budget.maxCredits) {
    return `the run used ${credits} credits, over its budget of ${budget.maxCredits}`;
  }
  return undefined;
}

/**
 * Runs the harness with the budget enforced by the controller, not trusted to the agent: the run
 * is aborted at its timeout (and abandoned as `timed-out` if the harness does not stop within a
 * grace period), and a run whose reported usage exceeds the budget is `budget-exceeded` even when
 * the harness said `ok`.
 */
export async function runWithinBudget(
  harness: AgentHarnessV1,
  request: AgentRunRequest,
): Promise<AgentRunResult> {
  const timeoutMs = request.budget?.timeoutMs;
  const controller = new AbortController();
  const forward = () => controller.abort(request.abortSignal?.reason);
  request.abortSignal?.addEventListener('abort', forward, { once: true });
  if (request.abortSignal?.aborted === true) controller.abort(request.abortSignal.reason);
  const startedAt = performance.now();
  const timers: NodeJS.Timeout[] = [];
  try {
    const running = harness.run({ ...request, abortSignal: controller.signal });
    const racers: Array<Promise<AgentRunResult>> = [running];
    if (timeoutMs !== undefined) {
      racers.push(
        new Promise((resolve) => {
          timers.push(
            setTimeout(() => controller.abort(new Error('budget timeout')), timeoutMs),
            setTimeout(
              () =>
                resolve({
                  status: 'timed-out',
                  text: '',
                  usage: { reported: false },
                  durationMs: performance.now() - startedAt,
                  error: `the run passed its ${timeoutMs} ms budget and did not stop; the controller abandoned it`,
                }),
              timeoutMs + STOP_GRACE_MS,
            ),
          );
        }),
      );
    }
    const result = await Promise.race(racers);
    if (result.status !== 'ok') return result;
    const overrun = budgetOverrun(result, request.budget);
    if (overrun !== undefined) {
      return { ...result, status: 'budget-exceeded', error: `${overrun}; the output is not trusted` };
    }
    if (timeoutMs !== undefined && result.durationMs > timeoutMs + STOP_GRACE_MS) {
      return {
        ...result,
        status: 'timed-out',
        error: `the run took ${Math.round(result.durationMs)} ms, over its ${timeoutMs} ms budget`,
      };
    }
    return result;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    request.abortSignal?.removeEventListener('abort', forward);
  }
}
