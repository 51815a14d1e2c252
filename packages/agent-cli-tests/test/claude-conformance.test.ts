import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { ClaudeCodeHarness } from '@hyperion/harness';
import {
  runHarnessConformance,
  scriptedTurnsPrompt,
  startScriptedModelServer,
  type HarnessConformanceScenarios,
  type ScriptedModelServer,
} from '@hyperion/harness/testing';
import { claudeCli, skipReason } from './support/agent-clis.js';
import { claudeEnvironment } from './support/cli-environments.js';

const describeClaude = claudeCli.unavailable === undefined ? describe : describe.skip;

describeClaude(`the conformance suite with the real claude binary${skipReason(claudeCli)}`, () => {
  let server: ScriptedModelServer;
  let home: string;
  beforeAll(async () => {
    server = await startScriptedModelServer();
    home = mkdtempSync(join(tmpdir(), 'hyperion-claude-home-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  const environment = () => ({ environment: claudeEnvironment(server, home) });
  const write = (path: string, content: string) => ({
    toolCalls: [{ name: 'Write', input: { file_path: `{workingDirectory}/${path}`, content } }],
  });
  const scenarios: HarnessConformanceScenarios = {
    writeFile: (path, content) => ({ prompt: scriptedTurnsPrompt([write(path, content)]), ...environment() }),
    hang: () => ({ prompt: scriptedTurnsPrompt([{ hang: true }]), ...environment() }),
    structuredOutput: (value) => ({
      prompt: scriptedTurnsPrompt([{ text: JSON.stringify(value) }]),
      ...environment(),
    }),
    writeOutside: (path, content) => ({
      prompt: scriptedTurnsPrompt([write(path, content)]),
      ...environment(),
    }),
  };

  runHarnessConformance(
    'claude (real CLI)',
    () => new ClaudeCodeHarness({ binary: claudeCli.binary, killGraceMs: 1_000 }),
    { scenarios, runBoundMs: 60_000 },
  );
});
