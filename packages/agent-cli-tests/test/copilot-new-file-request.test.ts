import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startScriptedModelServer,
  type RecordedModelRequest,
  type ScriptedModelServer,
  type ScriptedTurn,
} from '@hyperion/harness/testing';
import { copilotCli, skipReason } from './support/agent-clis.js';
import { copilotEnvironment } from './support/cli-environments.js';
import { hyperion } from './support/run-hyperion.js';
import { temporaryWorkspace } from './support/temporary-directories.js';

/** The original prototype's request for a new file, named by its path and a summary only. */
const NEW_FILE_REQUEST = fileURLToPath(
  new URL('../../../test-support/compat/original-sample-new-file-request.json', import.meta.url),
);
const CHANGELOG = '# Changelog\n\n- Approvals are recorded per cast.\n';

type Role = 'engineer' | 'orchestrator' | 'developer';

function roleOf(request: RecordedModelRequest): Role {
  const conversation = JSON.stringify(request.body);
  if (conversation.includes('You are the engineer of a multi-agent coding system')) return 'engineer';
  if (conversation.includes('You are the orchestrator of a multi-agent coding system')) return 'orchestrator';
  return 'developer';
}

/**
 * The scripted model, by role and turn: the engineer answers `engineerAnswer`, the orchestrator
 * answers prose (its deterministic decomposition takes over), and the developer makes `docs/`
 * (Copilot's create tool makes no parent folders), creates the changelog, and says so.
 */
function script(engineerAnswer: string): Array<(request: RecordedModelRequest) => ScriptedTurn> {
  const developer: ScriptedTurn[] = [
    {
      toolCalls: [
        { name: 'bash', input: { command: 'mkdir -p docs', description: 'Make the docs directory' } },
      ],
    },
    {
      toolCalls: [
        { name: 'create', input: { path: '{workingDirectory}/docs/CHANGELOG.md', file_text: CHANGELOG } },
      ],
    },
    { text: 'Created docs/CHANGELOG.md.' },
  ];
  return developer.map((developerTurn, turn) => (request: RecordedModelRequest) => {
    const role = roleOf(request);
    if (role === 'developer') return developerTurn;
    if (turn > 0) return { text: 'Done.' };
    return role === 'engineer' ? { text: engineerAnswer } : { text: 'One assignment for the changelog.' };
  });
}

const describeCopilot = copilotCli.unavailable === undefined ? describe : describe.skip;

describeCopilot(
  `HYPERION_AGENT=copilot hyperion request for a file named only by its path${skipReason(copilotCli)}`,
  () => {
    let server: ScriptedModelServer;
    beforeAll(async () => {
      server = await startScriptedModelServer();
    });
    afterAll(async () => {
      await server.close();
    });

    /** Runs `hyperion request --wait --json` on the compat new-file request with the real Copilot CLI. */
    async function requestNewFile(engineerAnswer: string) {
      server.setScript(script(engineerAnswer));
      const { home, repository } = temporaryWorkspace();
      const environment = {
        ...copilotEnvironment(server, home),
        HYPERION_AGENT: 'copilot',
        PATH: `${join(copilotCli.binary, '..')}:${process.env['PATH'] ?? ''}`,
      };
      const init = await hyperion(['init', '--repo', repository], environment);
      expect(init.code, init.stderr).toBe(0);
      const result = await hyperion(
        ['request', NEW_FILE_REQUEST, '--repo', repository, '--wait', '--json'],
        environment,
      );
      const git = (...gitArguments: string[]) =>
        execFileSync('git', gitArguments, { cwd: repository, encoding: 'utf8' });
      return { result, git };
    }

    it('lands the created file when the model engineer scopes it as new', async () => {
      const scope = {
        classification: 'docs',
        acceptance_criteria: ['docs/CHANGELOG.md starts a changelog with one entry about approvals'],
        target_files: [{ path: 'docs/CHANGELOG.md', new: true }],
        risk: 'low',
        open_questions: [],
      };
      const { result, git } = await requestNewFile(JSON.stringify(scope));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const outcome = JSON.parse(result.stdout) as {
        planning: { engineer: string };
        outcome: Array<{ state: string }>;
      };
      expect(outcome.planning.engineer).toBe('model');
      expect(outcome.outcome).toEqual([expect.objectContaining({ state: 'landed' })]);
      expect(git('show', 'main:docs/CHANGELOG.md')).toBe(CHANGELOG);
      expect(git('log', '-1', '--format=%B', 'main')).toMatch(/Hyperion-Request: REQ-9003/);
    });

    it('still creates the file when the model engineer answer does not parse and the rules take over', async () => {
      const { result, git } = await requestNewFile('Sure! A changelog sounds like a fine idea.');
      expect(result.stderr).not.toMatch(/should it be created/);
      expect(result.code, result.stderr).toBe(0);
      const outcome = JSON.parse(result.stdout) as {
        planning: { engineer: string; engineer_fallback_reason?: string };
        outcome: Array<{ state: string }>;
      };
      expect(outcome.planning.engineer).toBe('fallback');
      expect(outcome.outcome).toEqual([expect.objectContaining({ state: 'landed' })]);
      expect(git('show', 'main:docs/CHANGELOG.md')).toBe(CHANGELOG);
    });
  },
);
