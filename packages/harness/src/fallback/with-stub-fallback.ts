import { StubHarness } from '../stub/stub-harness.js';
import { HARNESS_SPECIFICATION_VERSION, type AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentEvent } from '../v1/agent-event.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';

/**
 * `harness`, except that a run whose output cannot be parsed (`unparseableOutput: true`) is run
 * again on the deterministic `fallback` harness (a {@link StubHarness} by default) with the same
 * request. That result is returned with `fallback: { from, reason }`, after a `run:fallback` event,
 * so the caller's record shows the switch. Every other result (success, timeout, cancellation, an
 * agent failure) is returned as it is. The wrapper keeps the harness's id and its `resume`.
 */
export function withStubFallback(
  harness: AgentHarnessV1,
  fallback: AgentHarnessV1 = new StubHarness(),
): AgentHarnessV1 {
  const wrapped: AgentHarnessV1 = {
    specificationVersion: HARNESS_SPECIFICATION_VERSION,
    harnessId: harness.harnessId,
    run: (request) => runWithFallback(harness, fallback, request, (relayed) => harness.run(relayed)),
  };
  const resume = harness.resume?.bind(harness);
  if (resume !== undefined) {
    wrapped.resume = (sessionId, request) =>
      runWithFallback(harness, fallback, request, (relayed) => resume(sessionId, relayed));
  }
  return wrapped;
}

async function runWithFallback(
  harness: AgentHarnessV1,
  fallback: AgentHarnessV1,
  request: AgentRunRequest,
  start: (request: AgentRunRequest) => Promise<AgentRunResult>,
): Promise<AgentRunResult> {
  const onEvent = request.onEvent;
  let lastSequence = -1;
  const relay = (event: AgentEvent) => {
    lastSequence = event.sequence;
    onEvent?.(event);
  };
  const result = await start({ ...request, ...(onEvent === undefined ? {} : { onEvent: relay }) });
  if (result.status !== 'failed' || result.unparseableOutput !== true) return result;
  const reason = result.error ?? 'the agent output could not be parsed';
  // The fallback's events follow the original run's, so sequence numbers keep rising.
  const offset = lastSequence + 2;
  onEvent?.({
    type: 'run:fallback',
    at: new Date().toISOString(),
    sequence: offset - 1,
    data: { from: harness.harnessId, to: fallback.harnessId, reason },
  });
  const fallbackResult = await fallback.run({
    ...request,
    ...(onEvent === undefined
      ? {}
      : { onEvent: (event) => onEvent({ ...event, sequence: event.sequence + offset }) }),
  });
  return {
    ...fallbackResult,
    durationMs: result.durationMs + fallbackResult.durationMs,
    fallback: { from: harness.harnessId, reason },
  };
}
