import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopilotCliHarness, callResume, withStubFallback, type AgentEvent } from '@hyperion/harness';
import {
  scriptedTurnsPrompt,
  startScriptedModelServer,
  type ScriptedModelServer,
  type ScriptedTurn,
} from '@hyperion/harness/testing';
import { copilotCli, skipReason } from './support/agent-clis.js';
import { copilotEnvironment } from './support/cli-environments.js';
import { processesAlive } from './support/processes.js';
import { temporaryDirectory, temporaryWorkspace } from './support/temporary-directories.js';

const describeCopilot = copilotCli.unavailable === undefined ? describe : describe.skip;

describeCopilot(`CopilotCliHarness with the real copilot binary${skipReason(copilotCli)}`, () => {
  let server: ScriptedModelServer;
  let home: string;
  beforeAll(async () => {
    server = await startScriptedModelServer();
    // One HOME for the file: the CLI unpacks itself there on its first run, which takes seconds.
    home = mkdtempSync(join(tmpdir(), 'hyperion-copilot-home-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  const harness = (options: ConstructorParameters<typeof CopilotCliHarness>[0] = {}) =>
    new CopilotCliHarness({ binary: copilotCli.binary, killGraceMs: 1_000, ...options });

  /** A request in a fresh workspace whose model follows `turns`. */
  function scripted(turns: ScriptedTurn[], files: Record<string, string> = {}) {
    const workspace = temporaryWorkspace(files);
    return {
      ...workspace,
      request: {
        role: 'developer' as const,
        prompt: scriptedTurnsPrompt(turns),
        workingDirectory: workspace.repository,
        filesInScope: Object.keys(files),
        environment: copilotEnvironment(server, home),
      },
    };
  }

  it('creates a file through the create tool, streams events and reports the result record', async () => {
    const { repository, request } = scripted([
      {
        toolCalls: [
          { name: 'create', input: { path: '{workingDirectory}/hello.txt', file_text: 'hello\n' } },
        ],
      },
      { text: 'Created hello.txt.' },
    ]);
    const events: AgentEvent[] = [];
    const result = await harness().run({ ...request, onEvent: (event) => events.push(event) });
    expect(result).toMatchObject({ status: 'ok', text: 'Created hello.txt.', exitCode: 0 });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.usage).toMatchObject({ reported: true, credits: 0 });
    expect(readFileSync(join(repository, 'hello.txt'), 'utf8')).toBe('hello\n');
    const recordTypes = events
      .filter((event) => event.type === 'agent:record')
      .map((event) => event.data['recordType']);
    expect(recordTypes).toContain('tool.execution_complete');
    expect(recordTypes.at(-1)).toBe('result');
    expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index));
  });

  it('edits an existing file through the edit tool', async () => {
    const { repository, request } = scripted(
      [
        {
          toolCalls: [
            {
              name: 'edit',
              input: { path: '{workingDirectory}/notes.md', old_str: 'old line', new_str: 'new line' },
            },
          ],
        },
        { text: 'Edited.' },
      ],
      { 'notes.md': '# Notes\nold line\nkept\n' },
    );
    const result = await harness().run(request);
    expect(result.status).toBe('ok');
    expect(readFileSync(join(repository, 'notes.md'), 'utf8')).toBe('# Notes\nnew line\nkept\n');
  });

  it('does not let the agent write outside the working directory', async () => {
    const { outside, request } = scripted([
      {
        toolCalls: [
          {
            name: 'create',
            input: { path: '{workingDirectory}/../outside/escaped.txt', file_text: 'escaped\n' },
          },
        ],
      },
      { text: 'Tried.' },
    ]);
    const result = await harness().run(request);
    expect(result.status).not.toBe('cancelled');
    expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
    expect(readFileSync(join(outside, 'sentinel.txt'), 'utf8')).toBe('must not change\n');
  });

  it('fails with unparseableOutput when the answer is not the JSON asked for, and withStubFallback records the fallback', async () => {
    const { request } = scripted([{ text: 'Sure! Here is what I think: it went well.' }]);
    const structured = {
      ...request,
      role: 'engineer' as const,
      outputSchema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
      metadata: { structuredOutput: { title: 'deterministic' } },
    };
    // The wrapped run's fallback reason is the failed run's error: the model's text was not JSON.
    const events: AgentEvent[] = [];
    const fallen = await withStubFallback(harness()).run({
      ...structured,
      onEvent: (event) => events.push(event),
    });
    expect(fallen).toMatchObject({
      status: 'ok',
      structuredOutput: { title: 'deterministic' },
      fallback: { from: 'copilot', reason: 'the agent output is not JSON, but an output schema was given' },
    });
    expect(events.map((event) => event.type)).toContain('run:fallback');
    expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index));
  });

  it('fails, without hanging, when the model answers with a malformed stream', async () => {
    const { request } = scripted([{ malformed: true }]);
    const result = await harness().run({ ...request, budget: { timeoutMs: 60_000 } });
    expect(result.status).toBe('failed');
    expect(result.error).toBeTruthy();
  });

  it('times out a run whose model never answers, and leaves no copilot process behind', async () => {
    const { repository, request } = scripted([{ hang: true }]);
    const startedAt = Date.now();
    const result = await harness().run({ ...request, budget: { timeoutMs: 4_000 } });
    expect(result).toMatchObject({ status: 'timed-out', error: 'the run timed out after 4000 ms' });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 300));
    expect(processesAlive(repository)).toEqual([]);
  });

  it('passes the model, resumes a session, and never shows a credential in events', async () => {
    const secret = 'sk-scripted-credential-4711';
    const { request } = scripted([]);
    server.setScript([{ text: 'first answer' }, { text: 'second answer' }]);
    const events: AgentEvent[] = [];
    const first = await harness({ model: server.model }).run({
      ...request,
      prompt: `Say something. The key is ${secret}.`,
      environment: { ...request.environment, COPILOT_PROVIDER_API_KEY: secret },
      onEvent: (event) => events.push(event),
    });
    expect(first).toMatchObject({ status: 'ok', text: 'first answer' });
    const sent = server.modelRequests().at(-1);
    expect((sent?.body as { model?: string }).model).toBe(server.model);
    expect(sent?.headers['authorization']).toBe(`Bearer ${secret}`);
    expect(JSON.stringify(events)).not.toContain(secret);
    const second = await callResume(harness(), first.sessionId ?? '', { ...request, prompt: 'And again?' });
    expect(second).toMatchObject({ status: 'ok', text: 'second answer', sessionId: first.sessionId });
    const conversation = JSON.stringify(server.modelRequests().at(-1)?.body);
    expect(conversation).toContain('first answer');
    expect(conversation).toContain('And again?');
    server.setScript([]);
  });

  it('says how to sign in when the CLI has no credentials and no model provider', async () => {
    const bare = temporaryDirectory();
    const result = await harness({ baseEnvironment: { PATH: process.env['PATH'] } }).run({
      role: 'developer',
      prompt: 'hello',
      workingDirectory: bare,
      filesInScope: [],
      // The shared HOME holds the unpacked CLI but no credentials; its state goes to a fresh COPILOT_HOME.
      environment: { HOME: home, COPILOT_HOME: join(bare, '.copilot') },
      budget: { timeoutMs: 60_000 },
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^the GitHub Copilot CLI is not signed in: set COPILOT_GITHUB_TOKEN/);
  });
});
