import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startScriptedModelServer,
  type RecordedModelRequest,
  type ScriptedModelServer,
  type ScriptedTurn,
  type ScriptedTurnSource,
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
  /** The model's tool call writing `path` (relative to the CLI's working directory). */
  write: (path: string, content: string) => ScriptedTurn['toolCalls'];
  /**
   * Which budget the over-budget request spends. Claude Code reports its tokens as it goes; the
   * Copilot CLI's JSON output carries no token counts (only premium requests, 0 offline), so its
   * request spends its wall time instead, on a model call that never answers.
   */
  spends: 'tokens' | 'wall-time';
}

const agents: Agent[] = [
  {
    id: 'copilot',
    cli: copilotCli,
    environment: copilotEnvironment,
    write: (path, content) => [
      { name: 'create', input: { path: `{workingDirectory}/${path}`, file_text: content } },
    ],
    spends: 'wall-time',
  },
  {
    id: 'claude',
    cli: claudeCli,
    environment: claudeEnvironment,
    write: (path, content) => [
      { name: 'Write', input: { file_path: `{workingDirectory}/${path}`, content } },
    ],
    spends: 'tokens',
  },
];

/** The first answer of each conversation: developers by the file they own, planning runs say done. */
function firstTurn(choose: (conversation: string) => ScriptedTurn | undefined): ScriptedTurnSource {
  return (request: RecordedModelRequest) => {
    const conversation = JSON.stringify(request.body);
    return (
      (conversation.includes('You are a developer') ? choose(conversation) : undefined) ?? { text: 'Done.' }
    );
  };
}

/** Processes whose working directory is under `directory` (an agent left running there). */
function processesUnder(directory: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`).startsWith(directory)) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

type Json = Record<string, unknown>;

for (const agent of agents) {
  const describeAgent = agent.cli.unavailable === undefined ? describe : describe.skip;

  describeAgent(
    `HYPERION_AGENT=${agent.id} request budgets and partial landing${skipReason(agent.cli)}`,
    () => {
      let server: ScriptedModelServer;
      beforeAll(async () => {
        server = await startScriptedModelServer({ script: [] });
      });
      afterAll(async () => {
        await server.close();
      });

      async function workspace() {
        const { root, home, repository } = temporaryWorkspace();
        const environment = {
          ...agent.environment(server, home),
          HYPERION_AGENT: agent.id,
          PATH: `${join(agent.cli.binary, '..')}:${process.env['PATH'] ?? ''}`,
        };
        const init = await hyperion(['init', '--repo', repository], environment);
        expect(init.code, init.stderr).toBe(0);
        const configFile = join(repository, '.hyperion', 'config.json');
        const config = JSON.parse(readFileSync(configFile, 'utf8')) as Json;
        writeFileSync(configFile, JSON.stringify({ ...config, orchestrator: { group_by: 'file' } }));
        const git = (...gitArguments: string[]) =>
          execFileSync('git', gitArguments, { cwd: repository, encoding: 'utf8' });
        const history = async () => {
          const listed = await hyperion(['requests', '--repo', repository, '--json'], environment);
          expect(listed.code, listed.stderr).toBe(0);
          return JSON.parse(listed.stdout) as Json[];
        };
        return { root, repository, environment, git, history };
      }

      it(`stops the real CLI once the request spends its ${agent.spends === 'tokens' ? 'token' : 'wall-time'} budget, and says so`, async () => {
        const { root, repository, environment, git, history } = await workspace();
        server.setScript([
          firstTurn(() =>
            agent.spends === 'tokens'
              ? { toolCalls: agent.write('NOTES.md', NOTES), usage: { inputTokens: 5000, outputTokens: 10 } }
              : { hang: true },
          ),
          { text: 'Created NOTES.md.' },
        ]);
        const budget = agent.spends === 'tokens' ? { max_tokens: 3000 } : { timeout_ms: 45_000 };
        const requestFile = join(root, 'request.json');
        writeFileSync(
          requestFile,
          JSON.stringify({
            request_id: 'R-BUDGET-E2E',
            summary: 'Add a notes file on a small budget',
            requested_changes: [{ path: 'NOTES.md', operation: 'create', summary: 'Create NOTES.md' }],
            budget,
          }),
        );
        const result = await hyperion(['request', requestFile, '--repo', repository, '--wait'], environment);
        expect(result.code, result.stdout).toBe(6);
        expect(result.stderr).toMatch(
          agent.spends === 'tokens'
            ? /^error\[budget_exceeded\]: request R-BUDGET-E2E: the request's budget is spent: \d+ tokens of its 3000 /
            : /^error\[budget_exceeded\]: request R-BUDGET-E2E: the request's budget is spent: \d+ ms of its 45000 ms wall time /,
        );
        expect(processesUnder(join(repository, '.hyperion', 'worktrees'))).toEqual([]);
        expect(() => git('show', 'main:NOTES.md')).toThrow();
        const [story] = await history();
        expect(story).toMatchObject({ id: 'R-BUDGET-E2E', status: 'failed', budget });
        const [assignment] = story!['assignments'] as Json[];
        expect(assignment).toMatchObject({ outcome: 'failed' });
        const runs = assignment!['runs'] as Json[];
        expect(runs).toEqual([expect.objectContaining({ role: 'developer', status: 'budget-exceeded' })]);
        if (agent.spends === 'tokens') {
          expect(runs[0]!['input_tokens']).toBeGreaterThanOrEqual(5000);
          expect((story!['usage'] as Json)['input_tokens']).toBeGreaterThanOrEqual(5000);
        }
      }, 240_000);

      it('lands the good part of a partial request and reports the part whose developer failed', async () => {
        const { root, repository, environment, git, history } = await workspace();
        server.setScript([
          firstTurn((conversation) =>
            conversation.includes('OTHER.md')
              ? // This developer strays outside its assignment: its change is refused.
                { toolCalls: agent.write('STRAY.md', 'not mine\n') }
              : { toolCalls: agent.write('NOTES.md', NOTES) },
          ),
          { text: 'Done.' },
        ]);
        const requestFile = join(root, 'request.json');
        writeFileSync(
          requestFile,
          JSON.stringify({
            request_id: 'R-PART-E2E',
            summary: 'Add two files',
            requested_changes: [
              { path: 'NOTES.md', operation: 'create', summary: 'Create NOTES.md' },
              { path: 'OTHER.md', operation: 'create', summary: 'Create OTHER.md' },
            ],
            on_partial_failure: 'land_succeeded',
          }),
        );
        const result = await hyperion(['request', requestFile, '--repo', repository, '--wait'], environment);
        expect(result.code, result.stderr).toBe(6);
        expect(result.stdout).toMatch(
          /Not enqueued \(1 failed, on_partial_failure: land_succeeded\):\n\s+R-PART-E2E-2\s+unsafe_path\s+R-PART-E2E-2: the developer edited files outside its assignment: STRAY\.md/,
        );
        expect(result.stdout).toMatch(/Outcome:\n\s+chg-\S+\s+landed/);
        expect(git('show', 'main:NOTES.md')).toBe(NOTES);
        expect(() => git('show', 'main:OTHER.md')).toThrow();
        expect(() => git('show', 'main:STRAY.md')).toThrow();
        const [story] = await history();
        expect(story).toMatchObject({ id: 'R-PART-E2E', status: 'partial', outcome: { landed: 1 } });
        expect(
          (story!['assignments'] as Json[]).map((assignment) => [assignment['files'], assignment['outcome']]),
        ).toEqual([
          [['NOTES.md'], 'landed'],
          [['OTHER.md'], 'failed'],
        ]);
        expect((story!['assignments'] as Json[])[1]!['reason']).toContain('outside its assignment: STRAY.md');
      }, 240_000);
    },
  );
}
