import type { AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';

/** A run that ended in time, one that threw, or one still going when the bound passed. */
export type BoundedRun =
  { ended: true; result: AgentRunResult; elapsedMs: number } | { ended: false; reason: string };

/** Runs `request` on `harness`, giving up (not cancelling) after `boundMs`. */
export async function runWithBound(
  harness: AgentHarnessV1,
  request: AgentRunRequest,
  boundMs: number,
): Promise<BoundedRun> {
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<BoundedRun>((resolvePromise) => {
    timer = setTimeout(
      () => resolvePromise({ ended: false, reason: `still running after ${boundMs} ms` }),
      boundMs,
    );
  });
  const ran = harness.run(request).then(
    (result): BoundedRun => ({ ended: true, result, elapsedMs: Date.now() - startedAt }),
    (error: unknown): BoundedRun => ({ ended: false, reason: `run threw: ${String(error)}` }),
  );
  try {
    return await Promise.race([ran, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** Clock rounding allowed when comparing a measured duration with a timer's delay. */
export const TIMER_SLACK_MS = 20;
