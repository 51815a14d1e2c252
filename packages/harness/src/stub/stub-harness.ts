import { performance } from 'node:perf_hooks';
import { createRunDeadline, describeStopReason, type RunDeadline } from '../events/run-deadline.js';
import { createRunEventEmitter, type RunEventEmitter } from '../events/run-event-emitter.js';
import { validateStructuredOutput } from '../structured-output/validate-structured-output.js';
import { HARNESS_SPECIFICATION_VERSION, type AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';
import { applyStubEdits } from './apply-stub-edits.js';
import { readStubEdits } from './stub-edit.js';

type StubOutcome = Pick<AgentRunResult, 'status' | 'text' | 'structuredOutput' | 'error'>;

/** The error of every `resolver` run of the stub: it has no model to resolve a conflict with. */
export const STUB_CANNOT_RESOLVE =
  'the stub agent cannot resolve conflicts: it has no model and edits nothing in a resolver run';

/**
 * The deterministic harness: no model, the default. It does exactly what `request.metadata` says:
 *
 * - `edits` ({@link StubEdit}[], developer runs only): explicit contents, deletions or diffs,
 *   applied inside the working directory and the files in scope, or refused with status `failed`.
 * - `structuredOutput`: returned as the structured output (checked against `outputSchema` when
 *   given); without it the text is `ok`.
 * - `hang: true`: waits until the run is aborted or times out (for testing callers' limits).
 *
 * A `resolver` run resolves nothing: it touches no file and fails with
 * {@link STUB_CANNOT_RESOLVE}, so the conflict tiers record that and move on to the next tier.
 *
 * Usage is declared absent (`{ reported: false }`).
 */
export class StubHarness implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId = 'stub';

  async run(request: AgentRunRequest): Promise<AgentRunResult> {
    const startedAt = performance.now();
    const events = createRunEventEmitter(request.onEvent);
    const deadline = createRunDeadline(request);
    try {
      events.emit('run:started', { harnessId: this.harnessId, role: request.role });
      const outcome = await execute(request, events, deadline);
      events.emit('run:finished', {
        status: outcome.status,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      return { ...outcome, usage: { reported: false }, durationMs: performance.now() - startedAt };
    } finally {
      deadline.dispose();
      events.close();
    }
  }
}

async function execute(
  request: AgentRunRequest,
  events: RunEventEmitter,
  deadline: RunDeadline,
): Promise<StubOutcome> {
  const stopped = () => stoppedOutcome(request, deadline);
  if (deadline.stopReason() !== undefined) return stopped() ?? failed('the run stopped');
  if (request.metadata?.['hang'] === true) {
    await new Promise((resolvePromise) =>
      deadline.signal.addEventListener('abort', resolvePromise, { once: true }),
    );
    return stopped() ?? failed('the run stopped');
  }
  if (request.role === 'resolver') return failed(STUB_CANNOT_RESOLVE);
  const read = readStubEdits(request.metadata);
  if ('error' in read) return failed(read.error);
  if (read.edits.length > 0 && request.role !== 'developer') {
    return failed(`the stub agent edits files only for developer runs, not ${request.role} runs`);
  }
  const editFailure = await applyStubEdits(
    read.edits,
    request,
    events,
    () => deadline.stopReason() !== undefined,
  );
  const stoppedDuringEdits = stopped();
  if (stoppedDuringEdits !== undefined) return stoppedDuringEdits;
  if (editFailure !== undefined) return failed(editFailure);
  return structuredOutcome(request);
}

function structuredOutcome(request: AgentRunRequest): StubOutcome {
  const value = request.metadata?.['structuredOutput'];
  if (value === undefined) return { status: 'ok', text: 'ok' };
  if (request.outputSchema !== undefined) {
    const validation = validateStructuredOutput(value, request.outputSchema);
    if (!validation.valid) {
      return failed(
        `the structured output does not match the output schema: ${validation.problems.join('; ')}`,
      );
    }
  }
  return { status: 'ok', text: JSON.stringify(value), structuredOutput: value };
}

function stoppedOutcome(request: AgentRunRequest, deadline: RunDeadline): StubOutcome | undefined {
  const reason = deadline.stopReason();
  if (reason === undefined) return undefined;
  return { status: reason, text: '', error: describeStopReason(reason, request.budget?.timeoutMs) };
}

function failed(error: string): StubOutcome {
  return { status: 'failed', text: '', error };
}
