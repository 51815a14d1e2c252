import { performance } from 'node:perf_hooks';
import { HyperionError } from '@hyperion/schema';
import { createRunEventEmitter } from '../events/run-event-emitter.js';
import { HARNESS_SPECIFICATION_VERSION, type AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import type { AgentRunResult } from '../v1/agent-run-result.js';

/** A scripted answer: part of a result, or a function of the request and the call's index that makes one. */
export type ScriptedResult =
  | Partial<AgentRunResult>
  | ((
      request: AgentRunRequest,
      callIndex: number,
    ) => Partial<AgentRunResult> | Promise<Partial<AgentRunResult>>);

/** One call the mock received. */
export interface RecordedCall {
  /** Which method was called. */
  method: 'run' | 'resume';
  /** The session id given to `resume`. */
  sessionId?: string;
  /** The request as received. */
  request: AgentRunRequest;
}

/** How a {@link RecordingMockHarness} answers. */
export interface RecordingMockHarnessOptions {
  /** Answers given in order, one per call. */
  results?: ScriptedResult[];
  /** The answer once `results` is used up; without it, an extra call throws. */
  defaultResult?: ScriptedResult;
  /** The harness id; `mock` by default. */
  harnessId?: string;
  /** Whether the mock offers the optional `resume` capability; false by default. */
  supportsResume?: boolean;
}

/**
 * A harness for tests of code that uses harnesses: it records every request and replays scripted
 * results (missing fields are filled: status `ok`, empty text, usage not reported). It emits
 * `run:started` and `run:finished`, and answers `cancelled` when the signal was aborted before the call.
 */
export class RecordingMockHarness implements AgentHarnessV1 {
  readonly specificationVersion = HARNESS_SPECIFICATION_VERSION;
  readonly harnessId: string;
  /** Every call, in order. */
  readonly calls: RecordedCall[] = [];
  /** Present only when the mock was made with `supportsResume: true`. */
  readonly resume?: (sessionId: string, request: AgentRunRequest) => Promise<AgentRunResult>;
  private readonly script: ScriptedResult[];
  private readonly defaultResult: ScriptedResult | undefined;

  constructor(options: RecordingMockHarnessOptions = {}) {
    this.harnessId = options.harnessId ?? 'mock';
    this.script = [...(options.results ?? [])];
    this.defaultResult = options.defaultResult;
    if (options.supportsResume === true) {
      this.resume = (sessionId, request) => this.answer({ method: 'resume', sessionId, request });
    }
  }

  /** The requests of every call, in order. */
  get requests(): AgentRunRequest[] {
    return this.calls.map((call) => call.request);
  }

  /** Adds answers after the ones still waiting. */
  enqueue(...results: ScriptedResult[]): void {
    this.script.push(...results);
  }

  run(request: AgentRunRequest): Promise<AgentRunResult> {
    return this.answer({ method: 'run', request });
  }

  private async answer(call: RecordedCall): Promise<AgentRunResult> {
    const callIndex = this.calls.push(call) - 1;
    const startedAt = performance.now();
    const events = createRunEventEmitter(call.request.onEvent);
    events.emit('run:started', { harnessId: this.harnessId, role: call.request.role, callIndex });
    const scripted = this.script.shift() ?? this.defaultResult;
    if (scripted === undefined) {
      throw new HyperionError(
        'invalid_state',
        `the mock harness has no scripted result for call ${callIndex}`,
      );
    }
    const partial = call.request.abortSignal?.aborted
      ? { status: 'cancelled' as const, error: 'the run was cancelled' }
      : typeof scripted === 'function'
        ? await scripted(call.request, callIndex)
        : scripted;
    const result: AgentRunResult = {
      status: 'ok',
      text: '',
      usage: { reported: false },
      durationMs: performance.now() - startedAt,
      ...partial,
    };
    events.emit('run:finished', { status: result.status });
    events.close();
    return result;
  }
}
