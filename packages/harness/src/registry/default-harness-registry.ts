import { HyperionError } from '@hyperion/schema';
import { CommandHarness, type CommandHarnessOptions } from '../command/command-harness.js';
import { StubHarness } from '../stub/stub-harness.js';
import { createHarnessRegistry, type HarnessRegistry } from './harness-registry.js';

/**
 * A new registry holding the harnesses this package ships: `stub` (no options) and `command`
 * (options: {@link CommandHarnessOptions}, `command` required).
 */
export function createDefaultHarnessRegistry(): HarnessRegistry {
  return createHarnessRegistry({
    stub: () => new StubHarness(),
    command: (options) => {
      if (options === undefined || options['command'] === undefined) {
        throw new HyperionError(
          'invalid_input',
          'the command agent needs a command template (options.command)',
        );
      }
      return new CommandHarness(options as unknown as CommandHarnessOptions);
    },
  });
}
