import type { AgentEvent } from '../v1/agent-event.js';
import { redactSecretsDeep } from '../environment/index.js';

/** Emits the events of one run with increasing sequence numbers and secrets redacted. */
export interface RunEventEmitter {
  /** Delivers one event; does nothing once {@link RunEventEmitter.close} was called. */
  emit(type: string, data?: Record<string, unknown>): void;
  /** Stops delivery: no event reaches the listener after the run has returned. */
  close(): void;
}

/**
 * An emitter for one run. Errors thrown by `onEvent` are swallowed on purpose: a faulty listener
 * must not change how the agent run ends.
 */
export function createRunEventEmitter(
  onEvent: ((event: AgentEvent) => void) | undefined,
  secretValues: readonly string[] = [],
): RunEventEmitter {
  let sequence = 0;
  let closed = false;
  return {
    emit(type, data = {}) {
      if (closed || onEvent === undefined) return;
      const event: AgentEvent = {
        type,
        at: new Date().toISOString(),
        sequence: sequence++,
        data: redactSecretsDeep(data, secretValues) as Record<string, unknown>,
      };
      try {
        onEvent(event);
      } catch {
        // See the function's documentation.
      }
    },
    close() {
      closed = true;
    },
  };
}
