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

/** What the queue's 3-way merge leaves in a.txt (git merge-file --diff3, Hyperion's fixed labels). */
const CONFLICT = '<<<<<<< tip\nzwei\n||||||| base\ntwo\n=======\nTWO\n>>>>>>> change\n';
const RESOLVED = 'one\nzwei and TWO\nthree\n';

interface Agent {
  id: 'copilot' | 'claude';
  cli: AgentCli;
  environment: (server: ScriptedModelServer, home: string) => Record<string, string>;
  /** The model's answers to the resolver: edit the conflict in a.txt away, then say so. */
  script: ScriptedTurn[];
}

const agents: Agent[] = [
  {
    id: 'copilot',
    cli: copilotCli,
    environment: copilotEnvironment,
    script: [
      {
        toolCalls: [
          {
            name: 'edit',
            input: { path: '{workingDirectory}/a.txt', old_str: CONFLICT, new_str: 'zwei and TWO\n' },
          },
        ],
      },
      { text: 'Resolved a.txt.' },
    ],
  },
  {
    id: 'claude',
    cli: claudeCli,
    environment: claudeEnvironment,
    script: [
      { toolCalls: [{ name: 'Read', input: { file_path: '{workingDirectory}/a.txt' } }] },
      {
        toolCalls: [
          {
            name: 'Edit',
            input: {
              file_path: '{workingDirectory}/a.txt',
              old_string: CONFLICT,
              new_string: 'zwei and TWO\n',
            },
          },
        ],
      },
      { text: 'Resolved a.txt.' },
    ],
  },
];

for (const agent of agents) {
  const describeAgent = agent.cli.unavailable === undefined ? describe : describe.skip;

  describeAgent(`the resolver tier with the real ${agent.id} CLI${skipReason(agent.cli)}`, () => {
    let server: ScriptedModelServer;
    beforeAll(async () => {
      server = await startScriptedModelServer({ script: agent.script });
    });
    afterAll(async () => {
      await server.close();
    });

    it('resolves a conflict the 3-way merge cannot, and the resolution lands after its checks', async () => {
      const { root, home, repository } = temporaryWorkspace({ 'a.txt': 'one\ntwo\nthree\n' });
      const environment = {
        ...agent.environment(server, home),
        PATH: `${join(agent.cli.binary, '..')}:${process.env['PATH'] ?? ''}`,
      };
      const init = await hyperion(['init', '--repo', repository], environment);
      expect(init.code).toBe(0);
      // The developer is the stub (explicit content); only the resolver tier runs the real CLI.
      const configFile = join(repository, '.hyperion', 'config.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      const tiers = { orchestrator: { conflict_tiers: { resolver: { harness: agent.id } } } };
      writeFileSync(configFile, JSON.stringify({ ...config, ...tiers }));
      const requestFile = join(root, 'request.json');
      writeFileSync(
        requestFile,
        JSON.stringify({
          request_id: 'R-RESOLVE',
          summary: 'Say TWO on line two',
          requested_changes: [{ path: 'a.txt', content: 'one\nTWO\nthree\n' }],
        }),
      );
      const request = await hyperion(['request', requestFile, '--repo', repository, '--json'], environment);
      expect(request.stderr).toBe('');
      expect(request.code).toBe(0);
      const original = (JSON.parse(request.stdout) as { enqueued: Array<{ change_id: string }> }).enqueued[0]!
        .change_id;
      const git = (...gitArguments: string[]) =>
        execFileSync('git', gitArguments, { cwd: repository, encoding: 'utf8' });
      // The queue's check, configured once the developer is done (its own checks would run it too):
      // only a resolution keeping both sides passes.
      writeFileSync(
        configFile,
        JSON.stringify({
          ...config,
          ...tiers,
          checks: [{ name: 'resolved', command: "grep -qx 'zwei and TWO' a.txt" }],
        }),
      );
      writeFileSync(join(repository, 'a.txt'), 'one\nzwei\nthree\n');
      git('-c', 'user.name=person', '-c', 'user.email=person@example.invalid', 'commit', '-qam', 'zwei');

      const worker = await hyperion(['worker', '--repo', repository, '--drain'], environment);
      expect(worker.code).toBe(0);
      expect(git('show', 'main:a.txt')).toBe(RESOLVED);
      const landedBody = git('log', '-1', '--format=%B', 'main');
      expect(landedBody).toMatch(/Hyperion-Task: R-RESOLVE-1/);
      expect(landedBody).not.toContain(original);

      const log = await hyperion(['log', '--repo', repository, '--json', '--entry', original], environment);
      const events = log.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
      const outcomes = events
        .filter((event) => event.type === 'conflict:tier_finished')
        .map((event) => `${String(event.data['tier'])}:${String(event.data['outcome'])}`);
      expect(outcomes).toEqual(['three_way:conflicted', 'resolver:resubmitted']);
      const resolution = String(events.find((event) => event.data['tier'] === 'resolver')?.data['change_id']);
      const shown = await hyperion(
        ['queue', 'show', resolution, '--repo', repository, '--json'],
        environment,
      );
      expect(shown.stdout).toContain('"landed"');
      expect(shown.stdout).toContain('check:passed');
      expect(server.modelRequests().length).toBeGreaterThanOrEqual(2);
    });
  });
}
