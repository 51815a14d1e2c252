import { Option, type Command } from 'commander';

const AGENT_FLAGS = '--agent <name>';

/**
 * The `--agent <name>` option. Its value is checked by {@link checkAgentOption} when the command
 * runs, not while the command line is parsed: checking needs the registry of agent harnesses, and
 * only the commands that take `--agent` load it.
 */
export function agentOption(): Option {
  return new Option(AGENT_FLAGS, 'agent harness (default: HYPERION_AGENT, then config, then stub)');
}

/**
 * Checks `--agent` against the registered harnesses before the command does any work (a
 * `preAction` hook): an unknown name is the usage error commander gives any invalid option value
 * (`option '--agent <name>' argument 'x' is invalid. expected one of …`, exit 2). The value is
 * kept trimmed.
 */
export async function checkAgentOption(command: Command): Promise<void> {
  const value: unknown = command.getOptionValue('agent');
  if (typeof value !== 'string') return;
  const { createDefaultHarnessRegistry } = await import('@hyperion/harness');
  const registry = createDefaultHarnessRegistry();
  const name = value.trim();
  if (!registry.has(name)) {
    command.error(
      `error: option '${AGENT_FLAGS}' argument '${value}' is invalid. expected one of ${registry.list().join(', ')}`,
      { code: 'commander.invalidArgument', exitCode: 1 },
    );
  }
  command.setOptionValue('agent', name);
}
