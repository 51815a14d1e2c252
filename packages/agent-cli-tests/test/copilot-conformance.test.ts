import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { CopilotCliHarness } from '@hyperion/harness';
import {
  runHarnessConformance,
  scriptedTurnsPrompt,
  startScriptedModelServer,
  type HarnessConformanceScenarios,
  type ScriptedModelServer,
} from '@hyperion/harness/testing';
import { copilotCli, skipReason } from './support/agent-clis.js';
import { copilotEnvironment } from './support/cli-environments.js';

const describeCopilot = copilotCli.unavailable === undefined ? describe : describe.skip;

describeCopilot(`the conformance suite with the real copilot binary${skipReason(copilotCli)}`, () => {
  let server: ScriptedModelServer;
  let home: string;
  beforeAll(async () => {
    server = await startScriptedModelServer();
    home = mkdtempSync(join(tmpdir(), 'hyperion-copilot-home-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  const environment = () => ({ environment: copilotEnvironment(server, home) });
  const create = (path: string, content: string) => ({
    toolCalls: [{ name: 'create', input: { path: `{workingDirectory}/${path}`, file_text: content } }],
  });
  // The create tool wants the parent directory to exist: the scripted model makes it first.
  const makeParent = (path: string) =>
    path.includes('/')
      ? [
          {
            toolCalls: [
              {
                name: 'bash',
                input: { command: `mkdir -p '${dirname(path)}'`, description: 'Make the directory' },
              },
            ],
          },
        ]
      : [];
  const scenarios: HarnessConformanceScenarios = {
    writeFile: (path, content) => ({
      prompt: scriptedTurnsPrompt([...makeParent(path), create(path, content)]),
      ...environment(),
    }),
    hang: () => ({ prompt: scriptedTurnsPrompt([{ hang: true }]), ...environment() }),
    structuredOutput: (value) => ({
      prompt: scriptedTurnsPrompt([{ text: JSON.stringify(value) }]),
      ...environment(),
    }),
    writeOutside: (path, content) => ({
      prompt: scriptedTurnsPrompt([create(path, content)]),
      ...environment(),
    }),
  };

  runHarnessConformance(
    'copilot (real CLI)',
    () => new CopilotCliHarness({ binary: copilotCli.binary, killGraceMs: 1_000 }),
    { scenarios, runBoundMs: 60_000 },
  );
});
