import { CommandHarness } from '../command/command-harness.js';
import { StubHarness } from '../stub/stub-harness.js';
import { nodeAgentOptions, nodeAgentScenarios, nodeAgentShellTemplate } from '../test-support/node-agent.js';
import { runHarnessConformance } from './run-harness-conformance.js';
import { stubHarnessScenarios } from './stub-harness-scenarios.js';

runHarnessConformance('stub', () => new StubHarness(), { scenarios: stubHarnessScenarios });

runHarnessConformance('command (node -e)', () => new CommandHarness(nodeAgentOptions), {
  scenarios: nodeAgentScenarios,
});

runHarnessConformance(
  'command (sh -c string template)',
  () => new CommandHarness({ command: nodeAgentShellTemplate, killGraceMs: 500 }),
  { scenarios: nodeAgentScenarios },
);
