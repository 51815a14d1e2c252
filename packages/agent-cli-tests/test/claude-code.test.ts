import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeCodeHarness, callResume, withStubFallback, type AgentEvent } from '@hyperion/harness';
import {
  scriptedTurnsPrompt,
  startScriptedModelServer,
  type ScriptedModelServer,
  type ScriptedTurn,
} from '@hyperion/harness/testing';
import { claudeCli, skipReason } from './support/agent-clis.js';
import { claudeEnvironment } from './support/cli-environments.js';
import { processesAlive } from './support/processes.js';
import { temporaryDirectory, temporaryWorkspace } from './support/temporary-directories.js';

const describeClaude = claudeCli.unavailable === undefined ? describe : describe.skip;

describeClaude(`ClaudeCodeHarness with the real claude binary${skipReason(claudeCli)}`, () => {
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

  const harness = (options: ConstructorParameters<typeof ClaudeCodeHarness>[0] = {}) =>
    new ClaudeCodeHarness({ binary: claudeCli.binary, killGraceMs: 1_000, ...options });

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
        environment: claudeEnvironment(server, home),
      },
    };
  }

  it('writes a file through the Write tool and reports session id, usage and cost', async () => {
    const { repository, request } = scripted([
      {
        toolCalls: [
          { name: 'Write', input: { file_path: '{workingDirectory}/src/hello.txt', content: 'hello\n' } },
        ],
      },
      { text: 'Wrote src/hello.txt.' },
    ]);
    const events: AgentEvent[] = [];
    const result = await harness().run({ ...request, onEvent: (event) => events.push(event) });
    expect(result).toMatchObject({ status: 'ok', text: 'Wrote src/hello.txt.', exitCode: 0 });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.usage).toMatchObject({ reported: true, inputTokens: 20, outputTokens: 10 });
    expect(result.usage.costUsd).toBeGreaterThan(0);
    expect(readFileSync(join(repository, 'src/hello.txt'), 'utf8')).toBe('hello\n');
    const recordTypes = events
      .filter((event) => event.type === 'agent:record')
      .map((event) => event.data['recordType']);
    expect(recordTypes).toEqual(expect.arrayContaining(['system', 'assistant', 'user']));
    expect(recordTypes.at(-1)).toBe('result');
    expect(JSON.stringify(events)).not.toContain('scripted-key');
  });

  it('reports the cached input tokens the model server counted, beside input and output', async () => {
    const { request } = scripted([
      { text: 'Nothing to change.', usage: { inputTokens: 120, outputTokens: 30, cachedInputTokens: 80 } },
    ]);
    const result = await harness().run(request);
    expect(result).toMatchObject({ status: 'ok', text: 'Nothing to change.' });
    expect(result.usage).toMatchObject({
      reported: true,
      inputTokens: 120,
      outputTokens: 30,
      cachedInputTokens: 80,
    });
  });

  it('edits an existing file after reading it (Read, then Edit)', async () => {
    const { repository, request } = scripted(
      [
        { toolCalls: [{ name: 'Read', input: { file_path: '{workingDirectory}/notes.md' } }] },
        {
          toolCalls: [
            {
              name: 'Edit',
              input: {
                file_path: '{workingDirectory}/notes.md',
                old_string: 'old line',
                new_string: 'new line',
              },
            },
          ],
        },
        { text: 'Edited.' },
      ],
      { 'notes.md': '# Notes\nold line\nkept\n' },
    );
    const result = await harness().run(request);
    expect(result).toMatchObject({ status: 'ok', text: 'Edited.' });
    expect(readFileSync(join(repository, 'notes.md'), 'utf8')).toBe('# Notes\nnew line\nkept\n');
  });

  it('does not let the agent write outside the working directory', async () => {
    const { outside, request } = scripted([
      {
        toolCalls: [
          {
            name: 'Write',
            input: { file_path: '{workingDirectory}/../outside/escaped.txt', content: 'escaped\n' },
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
    const { request } = scripted([{ text: 'I would rather chat than answer in JSON.' }]);
    const structured = {
      ...request,
      role: 'engineer' as const,
      outputSchema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
      metadata: { structuredOutput: { title: 'deterministic' } },
    };
    // The wrapped run's fallback reason is the failed run's error: the model's text was not JSON.
    const fallen = await withStubFallback(harness()).run(structured);
    expect(fallen).toMatchObject({
      status: 'ok',
      structuredOutput: { title: 'deterministic' },
      fallback: { from: 'claude', reason: 'the agent output is not JSON, but an output schema was given' },
    });
  });

  it('times out a run whose model never answers, and leaves no claude process behind', async () => {
    const { repository, request } = scripted([{ hang: true }]);
    const result = await harness().run({ ...request, budget: { timeoutMs: 3_000 } });
    expect(result).toMatchObject({ status: 'timed-out', error: 'the run timed out after 3000 ms' });
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 300));
    expect(processesAlive(repository)).toEqual([]);
  });

  it('passes the model and resumes a session', async () => {
    const { request } = scripted([]);
    server.setScript([{ text: 'first answer' }, { text: 'second answer' }]);
    const first = await harness({ model: 'claude-scripted-1' }).run({ ...request, prompt: 'Say something.' });
    expect(first).toMatchObject({ status: 'ok', text: 'first answer' });
    expect((server.modelRequests().at(-1)?.body as { model?: string }).model).toBe('claude-scripted-1');
    const second = await callResume(harness(), first.sessionId ?? '', { ...request, prompt: 'And again?' });
    expect(second).toMatchObject({ status: 'ok', text: 'second answer', sessionId: first.sessionId });
    expect(JSON.stringify(server.modelRequests().at(-1)?.body)).toContain('first answer');
    server.setScript([]);
  });

  it('says how to sign in when there is no API key', async () => {
    const bare = temporaryDirectory();
    const result = await harness({ baseEnvironment: { PATH: process.env['PATH'] } }).run({
      role: 'developer',
      prompt: 'hello',
      workingDirectory: bare,
      filesInScope: [],
      environment: { HOME: bare, CLAUDE_CONFIG_DIR: join(bare, '.claude'), ANTHROPIC_BASE_URL: server.url },
      budget: { timeoutMs: 60_000 },
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^Claude Code is not signed in: set ANTHROPIC_API_KEY/);
  });
});
