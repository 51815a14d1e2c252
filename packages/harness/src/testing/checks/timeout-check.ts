import type { HarnessConformanceCheck } from '../conformance-context.js';
import { runWithBound, TIMER_SLACK_MS } from '../run-with-bound.js';

/** A hanging run ends with status `timed-out` soon after its wall-clock budget passes. */
export const timeoutCheck: HarnessConformanceCheck = {
  name: 'timeout',
  description: 'ends a run with status timed-out soon after budget.timeoutMs passes',
  async run({ harness, options, request }) {
    const run = await runWithBound(
      harness,
      request({ ...options.scenarios.hang(), budget: { timeoutMs: options.timeoutMs } }),
      options.timeoutMs + options.stopBoundMs,
    );
    if (!run.ended) return [`with budget.timeoutMs ${options.timeoutMs}: ${run.reason}`];
    if (run.elapsedMs < options.timeoutMs - TIMER_SLACK_MS) {
      return [`the hang scenario ended before the timeout, with status ${run.result.status}`];
    }
    if (run.result.status !== 'timed-out') return [`a timed-out run ended with status ${run.result.status}`];
    return [];
  },
};
