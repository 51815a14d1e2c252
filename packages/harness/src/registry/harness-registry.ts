import { HyperionError } from '@hyperion/schema';
import type { AgentHarnessV1 } from '../v1/agent-harness-v1.js';
import { assertSupportedHarness } from '../v1/assert-supported-harness.js';

/** Makes a harness from options (whatever that harness needs: a command template, a binary path…). */
export type HarnessFactory = (options?: Record<string, unknown>) => AgentHarnessV1;

/** Harness factories by id. Third-party packages add their own with `register`. */
export interface HarnessRegistry {
  /**
   * Adds a factory under `id`.
   * @throws HyperionError `invalid_input` when `id` is taken, unless `replace` is true.
   */
  register(id: string, factory: HarnessFactory, registerOptions?: { replace?: boolean }): void;
  /**
   * Makes the harness registered under `id`, after checking it implements a supported version.
   * @throws HyperionError `invalid_input` for an unknown id, `unsupported` for an unknown version.
   */
  create(id: string, options?: Record<string, unknown>): AgentHarnessV1;
  /** True when a factory is registered under `id`. */
  has(id: string): boolean;
  /** The registered ids, in registration order. */
  list(): string[];
}

/** An empty registry, or one holding `initial`. */
export function createHarnessRegistry(initial: Record<string, HarnessFactory> = {}): HarnessRegistry {
  const factories = new Map<string, HarnessFactory>(Object.entries(initial));
  return {
    register(id, factory, registerOptions = {}) {
      if (id.trim() === '') throw new HyperionError('invalid_input', 'a harness id must not be empty');
      if (factories.has(id) && registerOptions.replace !== true) {
        throw new HyperionError('invalid_input', `a harness is already registered as "${id}"`, {
          details: { id },
        });
      }
      factories.set(id, factory);
    },
    create(id, options) {
      const factory = factories.get(id);
      if (factory === undefined) {
        throw new HyperionError(
          'invalid_input',
          `unknown agent "${id}": known agents are ${[...factories.keys()].join(', ')}`,
          { details: { id, known: [...factories.keys()] } },
        );
      }
      return assertSupportedHarness(factory(options));
    },
    has: (id) => factories.has(id),
    list: () => [...factories.keys()],
  };
}
