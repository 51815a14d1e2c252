import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startScriptedModelServer,
  type ScriptedModelServer,
  type ScriptedTurn,
} from '@hyperion/harness/testing';
import { claudeCli, copilotCli, skipReason, type AgentCli } from './support/agent-clis.js';
import { claudeEnvironment, copilotEnvironment } from './support/cli-environments.js';
import { hyperion } from './support/run-hyperion.js';
import { temporaryWorkspace } from './support/temporary-directories.js';

const NOTES = '# Notes\n\nWritten by a real agent CLI.\n';

interface Agent {
  id: 'copilot' | 'claude';
  cli: AgentCli;
  environment: (server: ScriptedModelServer, home: string) => Record<string, string>;
  /** The model's answers: write NOTES.md in the developer's worktree, then say so. */
  script: ScriptedTurn[];
}

const agents: Agent[] = [
  {
    id: 'copilot',
    cli: copilotCli,
    environment: copilotEnvironment,
    script: [
      { toolCalls: [{ name: 'create', input: { path: '{workingDirectory}/NOTES.md', file_text: NOTES } }] },
      { text: 'Created NOTES.md.' },
    ],
  },
  {
    id: 'claude',
    cli: claudeCli,
    environment: claudeEnvironment,
    script: [
      { toolCalls: [{ name: 'Write', input: { file_path: '{workingDirectory}/NOTES.md', content: NOTES } }] },
      { text: 'Wrote NOTES.md.' },
    ],
  },
];

for (const agent of agents) {
  const describeAgent = agent.cli.unavailable === undefined ? describe : describe.skip;

  describeAgent(`HYPERION_AGENT=${agent.id} hyperion request, end to end${skipReason(agent.cli)}`, () => {
    let server: ScriptedModelServer;
    beforeAll(async () => {
      server = await startScriptedModelServer({ script: agent.script });
    });
    afterAll(async () => {
      await server.close();
    });

    it('lands the change the real CLI wrote on main, with its Hyperion trailers', async () => {
      const { root, home, repository } = temporaryWorkspace();
      const binDirectory = join(agent.cli.binary, '..');
      const environment = {
        ...agent.environment(server, home),
        HYPERION_AGENT: agent.id,
        PATH: `${binDirectory}:${process.env['PATH'] ?? ''}`,
      };
      const init = await hyperion(['init', '--repo', repository], environment);
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      const requestFile = join(root, 'request.json');
      writeFileSync(
        requestFile,
        JSON.stringify({
          request_id: 'R-E2E',
          summary: 'Add a notes file',
          requested_changes: [
            { path: 'NOTES.md', operation: 'create', summary: 'Create NOTES.md with a heading' },
          ],
        }),
      );
      const result = await hyperion(
        ['request', requestFile, '--repo', repository, '--wait', '--json'],
        environment,
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const outcome = JSON.parse(result.stdout) as {
        outcome: Array<{ state: string; landed_commit: string }>;
      };
      expect(outcome.outcome).toEqual([expect.objectContaining({ state: 'landed' })]);
      const git = (...gitArguments: string[]) =>
        execFileSync('git', gitArguments, { cwd: repository, encoding: 'utf8' });
      expect(git('show', 'main:NOTES.md')).toBe(NOTES);
      const body = git('log', '-1', '--format=%B', 'main', '--', 'NOTES.md');
      expect(body).toMatch(/Hyperion-Request: R-E2E/);
      expect(body).toMatch(/Hyperion-Task: R-E2E-1/);
      expect(body).toMatch(/Hyperion-Change: chg-/);
      expect(server.modelRequests().length).toBeGreaterThanOrEqual(2);
      expect(readFileSync(join(repository, '.hyperion', 'config.json'), 'utf8')).toContain('"agent"');
    });
  });
}
