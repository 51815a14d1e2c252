import type { AgentRunRequest } from '../v1/agent-run-request.js';

/** Why a run was stopped before it finished on its own. */
export type RunStopReason = 'cancelled' | 'timed-out';

/** Joins a request's abort signal and its wall-clock budget into one signal. */
export interface RunDeadline {
  /** Aborts when the request is cancelled or its timeout passes. */
  readonly signal: AbortSignal;
  /** Why the run was stopped, or `undefined` while it may go on. */
  stopReason(): RunStopReason | undefined;
  /** Clears the timer; call it when the run has ended. */
  dispose(): void;
}

/** A {@link RunDeadline} for `request`, started now. */
export function createRunDeadline(request: Pick<AgentRunRequest, 'abortSignal' | 'budget'>): RunDeadline {
  const controller = new AbortController();
  let reason: RunStopReason | undefined;
  const stop = (why: RunStopReason) => {
    if (reason !== undefined) return;
    reason = why;
    controller.abort(why);
  };
  const onAbort = () => stop('cancelled');
  if (request.abortSignal?.aborted === true) stop('cancelled');
  else request.abortSignal?.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = request.budget?.timeoutMs;
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop('timed-out'), timeoutMs);
  return {
    signal: controller.signal,
    stopReason: () => reason,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      request.abortSignal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The one-line error of a run stopped for `reason`. */
export function describeStopReason(reason: RunStopReason, timeoutMs: number | undefined): string {
  return reason === 'cancelled' ? 'the run was cancelled' : `the run timed out after ${timeoutMs ?? 0} ms`;
}
