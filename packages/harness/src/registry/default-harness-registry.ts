import { HyperionError } from '@hyperion/schema';
import { ClaudeCodeHarness } from '../claude/claude-code-harness.js';
import { CommandHarness, type CommandHarnessOptions } from '../command/command-harness.js';
import { CopilotCliHarness } from '../copilot/copilot-cli-harness.js';
import { StubHarness } from '../stub/stub-harness.js';
import { parseAgentCliFactoryOptions } from './agent-cli-factory-options.js';
import { createHarnessRegistry, type HarnessRegistry } from './harness-registry.js';

/**
 * A new registry holding the harnesses this package ships: `stub` (no options), `command`
 * (options: {@link CommandHarnessOptions}, `command` required), `copilot` and `claude` (options:
 * `AgentCliHarnessOptions` — binary, model, environment, timeoutMs, maxCredits…).
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
    copilot: (options) => new CopilotCliHarness(parseAgentCliFactoryOptions('copilot', options)),
    claude: (options) => new ClaudeCodeHarness(parseAgentCliFactoryOptions('claude', options)),
  });
}
