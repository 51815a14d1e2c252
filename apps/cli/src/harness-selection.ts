import { createDefaultHarnessRegistry, resolveHarnessId, type AgentHarnessV1 } from '@hyperion/harness';
import type { HyperionConfig } from '@hyperion/schema';

/** The harness for agent roles: `--agent`, then `HYPERION_AGENT`, then the config, then the stub. */
export function selectHarness(flag: string | undefined, config: HyperionConfig): AgentHarnessV1 {
  const id = resolveHarnessId({
    flag,
    environment: process.env['HYPERION_AGENT'],
    config: config.agent.name,
  });
  return createDefaultHarnessRegistry().create(id, {});
}
