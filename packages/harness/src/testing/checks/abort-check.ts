import type { HarnessConformanceCheck } from '../conformance-context.js';
import { runWithBound, TIMER_SLACK_MS } from '../run-with-bound.js';

/** A hanging run ends with status `cancelled` soon after its signal aborts, and at once when it was aborted before. */
export const abortCheck: HarnessConformanceCheck = {
  name: 'abort',
  description: 'ends a run with status cancelled soon after the abort signal fires',
  async run({ harness, options, request }) {
    const problems: string[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.abortAfterMs);
    const run = await runWithBound(
      harness,
      request({ ...options.scenarios.hang(), abortSignal: controller.signal }),
      options.abortAfterMs + options.stopBoundMs,
    );
    clearTimeout(timer);
    if (!run.ended) problems.push(`after the abort: ${run.reason}`);
    else if (run.elapsedMs < options.abortAfterMs - TIMER_SLACK_MS) {
      problems.push(`the hang scenario ended before the abort, with status ${run.result.status}`);
    } else if (run.result.status !== 'cancelled') {
      problems.push(`an aborted run ended with status ${run.result.status}, not cancelled`);
    }
    const early = await runWithBound(
      harness,
      request({ ...options.scenarios.hang(), abortSignal: AbortSignal.abort() }),
      options.stopBoundMs,
    );
    if (!early.ended) problems.push(`with a signal aborted before the run: ${early.reason}`);
    else if (early.result.status !== 'cancelled') {
      problems.push(
        `a run whose signal was aborted before it started ended with status ${early.result.status}`,
      );
    }
    return problems;
  },
};
