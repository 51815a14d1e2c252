import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  scriptedTurnsPrompt,
  startScriptedModelServer,
  type ScriptedModelServer,
  type ScriptedTurn,
} from '@hyperion/harness/testing';
import { claudeCli, copilotCli, skipReason, type AgentCli } from './support/agent-clis.js';
import { claudeEnvironment, copilotEnvironment } from './support/cli-environments.js';
import { hyperion } from './support/run-hyperion.js';
import { temporaryWorkspace } from './support/temporary-directories.js';

interface Agent {
  id: 'copilot' | 'claude';
  cli: AgentCli;
  environment: (server: ScriptedModelServer, home: string) => Record<string, string>;
  /** The model's turns that replace `before` by `after` in owners.txt (and fail to when it is absent). */
  edit: (before: string, after: string) => ScriptedTurn[];
}

const agents: Agent[] = [
  {
    id: 'copilot',
    cli: copilotCli,
    environment: copilotEnvironment,
    edit: (before, after) => [
      {
        toolCalls: [
          { name: 'edit', input: { path: '{workingDirectory}/owners.txt', old_str: before, new_str: after } },
        ],
      },
      { text: 'Edited owners.txt.' },
    ],
  },
  {
    id: 'claude',
    cli: claudeCli,
    environment: claudeEnvironment,
    edit: (before, after) => [
      { toolCalls: [{ name: 'Read', input: { file_path: '{workingDirectory}/owners.txt' } }] },
      {
        toolCalls: [
          {
            name: 'Edit',
            input: { file_path: '{workingDirectory}/owners.txt', old_string: before, new_string: after },
          },
        ],
      },
      { text: 'Edited owners.txt.' },
    ],
  },
];

type Json = Record<string, unknown>;

for (const agent of agents) {
  const describeAgent = agent.cli.unavailable === undefined ? describe : describe.skip;

  describeAgent(
    `HYPERION_AGENT=${agent.id}: a second request on the same line${skipReason(agent.cli)}`,
    () => {
      let server: ScriptedModelServer;
      beforeAll(async () => {
        server = await startScriptedModelServer({ script: [] });
      });
      afterAll(async () => {
        await server.close();
      });

      it('stacks on the first (its agent sees the projected tip) and lands cleanly after it', async () => {
        const { root, home, repository } = temporaryWorkspace({ 'owners.txt': '# owners\nowners: alice\n' });
        const environment = {
          ...agent.environment(server, home),
          HYPERION_AGENT: agent.id,
          PATH: `${join(agent.cli.binary, '..')}:${process.env['PATH'] ?? ''}`,
        };
        expect((await hyperion(['init', '--repo', repository], environment)).code).toBe(0);
        const submit = async (id: string, turns: ScriptedTurn[]) => {
          const file = join(root, `${id}.json`);
          writeFileSync(
            file,
            JSON.stringify({
              request_id: id,
              summary: `Owners of ${id}`,
              requested_changes: [
                { path: 'owners.txt', summary: scriptedTurnsPrompt(turns, 'Add an owner.') },
              ],
            }),
          );
          const result = await hyperion(['request', file, '--repo', repository, '--json'], environment);
          expect(result.stderr).toBe('');
          expect(result.code).toBe(0);
          return JSON.parse(result.stdout) as Json;
        };
        const first = await submit('R-1', agent.edit('owners: alice', 'owners: alice, R1'));
        const firstEntry = (first['enqueued'] as Json[])[0]!['change_id'];
        // This edit only applies where the first request's change is already there: the projected tip.
        const second = await submit('R-2', agent.edit('owners: alice, R1', 'owners: alice, R1, R2'));
        expect((second['collisions'] as Json)['reports']).toEqual([
          expect.objectContaining({
            task_id: 'R-2-1',
            action: 'stacked',
            stacked_on: [firstEntry],
            overlaps: [expect.objectContaining({ change_id: firstEntry, files: ['owners.txt'] })],
          }),
        ]);
        expect((second['enqueued'] as Json[])[0]!['depends_on']).toEqual([firstEntry]);
        const worker = await hyperion(['worker', '--drain', '--repo', repository, '--json'], environment);
        expect(JSON.parse(worker.stdout)).toEqual({ mode: 'drain', summary: { landed: 2 } });
        const git = (...gitArguments: string[]) =>
          execFileSync('git', gitArguments, { cwd: repository, encoding: 'utf8' });
        expect(git('show', 'main:owners.txt')).toBe('# owners\nowners: alice, R1, R2\n');
        expect(
          git('log', '--format=%(trailers:key=Hyperion-Task,valueonly)', '-2', 'main').trim().split(/\s+/),
        ).toEqual(['R-2-1', 'R-1-1']);
        // Six runs of a real CLI process: engineer, orchestrator and developer of each request.
      }, 600_000);
    },
  );
}
