import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClaudeCodeHarness } from '../claude/claude-code-harness.js';
import { CopilotCliHarness } from '../copilot/copilot-cli-harness.js';
import { writeFakeAgentCli } from '../test-support/fake-agent-cli.js';
import { temporaryRepository } from '../test-support/temporary-repository.js';
import type { AgentEvent } from '../v1/agent-event.js';

function fakeCopilot(records: unknown[], extra: Record<string, string> = {}) {
  const { root, repository } = temporaryRepository();
  const binary = writeFakeAgentCli(root, 'copilot');
  return {
    root,
    harness: new CopilotCliHarness({
      binary,
      killGraceMs: 200,
      baseEnvironment: { PATH: process.env['PATH'] },
    }),
    request: {
      role: 'developer' as const,
      prompt: 'do it',
      workingDirectory: repository,
      filesInScope: [],
      environment: { FAKE_RECORDS: JSON.stringify(records), ...extra },
    },
  };
}

const result = (usage: Record<string, unknown> = { premiumRequests: 1 }) => ({
  type: 'result',
  sessionId: 'session-1',
  exitCode: 0,
  usage,
});

describe('CopilotCliHarness (with a stand-in binary)', () => {
  it('passes the documented flags, reads the answer, usage and session id', async () => {
    const { root, harness, request } = fakeCopilot([
      { type: 'assistant.message', data: { content: 'all done' } },
      { type: 'assistant.usage', data: { inputTokens: 100, outputTokens: 20, cost: 1 } },
      result({ premiumRequests: 1 }),
    ]);
    const run = await harness.run({ ...request, model: 'gpt-x' });
    expect(run).toMatchObject({
      status: 'ok',
      text: 'all done',
      sessionId: 'session-1',
      exitCode: 0,
      usage: { reported: true, inputTokens: 100, outputTokens: 20, credits: 1 },
    });
    expect(JSON.parse(readFileSync(join(root, 'argv.json'), 'utf8'))).toEqual([
      '-p',
      'do it',
      '--allow-all-tools',
      '--no-ask-user',
      '--output-format',
      'json',
      '--no-auto-update',
      '--disallow-temp-dir',
      '--model',
      'gpt-x',
    ]);
    await harness.resume('session-1', request);
    expect(JSON.parse(readFileSync(join(root, 'argv.json'), 'utf8'))).toEqual(
      expect.arrayContaining(['--resume', 'session-1']),
    );
  });

  it('stops the run with budget-exceeded as soon as the reported credits pass budget.maxCredits', async () => {
    const { harness, request } = fakeCopilot(
      [{ type: 'assistant.usage', data: { inputTokens: 1, outputTokens: 1, cost: 3 } }],
      { FAKE_HANG: '1' },
    );
    const startedAt = Date.now();
    const run = await harness.run({ ...request, budget: { maxCredits: 2, timeoutMs: 20_000 } });
    expect(run).toMatchObject({
      status: 'budget-exceeded',
      error: 'the run used 3 credits, over its budget of 2',
      usage: { credits: 3 },
    });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it('reports a result record over the credit budget as budget-exceeded', async () => {
    const { harness, request } = fakeCopilot([result({ premiumRequests: 5 })]);
    expect(await harness.run({ ...request, budget: { maxCredits: 4 } })).toMatchObject({
      status: 'budget-exceeded',
    });
  });

  it('fails with unparseableOutput when the CLI prints no result record', async () => {
    const { harness, request } = fakeCopilot(['not json at all', { type: 'assistant.message', data: {} }]);
    const events: AgentEvent[] = [];
    const run = await harness.run({ ...request, onEvent: (event) => events.push(event) });
    expect(run).toMatchObject({ status: 'failed', unparseableOutput: true });
    expect(run.error).toMatch(/^the GitHub Copilot CLI printed no final result record/);
    expect(events.find((event) => event.type === 'output:line')?.data).toEqual({
      stream: 'stdout',
      line: 'not json at all',
    });
  });

  it('says how to install the CLI when the binary is missing', async () => {
    const { request } = fakeCopilot([]);
    const run = await new CopilotCliHarness({ binary: 'hyperion-no-such-copilot' }).run(request);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run.error).toBe(
      'the GitHub Copilot CLI ("hyperion-no-such-copilot") was not found on PATH: install it with `npm install -g @github/copilot`, or set agent.binary in .hyperion/config.json',
    );
  });

  it('says how to sign in when the CLI reports no authentication', async () => {
    const { harness, request } = fakeCopilot([], {
      FAKE_STDERR: 'Error: No authentication information found.',
      FAKE_EXIT: '1',
    });
    const run = await harness.run(request);
    expect(run.error).toMatch(/^the GitHub Copilot CLI is not signed in: set COPILOT_GITHUB_TOKEN/);
  });

  it('passes its credentials to the CLI but keeps other secrets out, and redacts both from events', async () => {
    const { harness, request } = fakeCopilot([
      { type: 'assistant.message', data: { content: 'token ghp_credential1 key sk-other2' } },
      result(),
    ]);
    const events: AgentEvent[] = [];
    const run = await harness.run({
      ...request,
      environment: { ...request.environment, GH_TOKEN: 'ghp_credential1', OPENAI_API_KEY: 'sk-other2' },
      onEvent: (event) => events.push(event),
    });
    expect(run.text).toBe('token [redacted] key [redacted]');
    expect(JSON.stringify(events)).not.toMatch(/ghp_credential1|sk-other2/);
  });
});

describe('ClaudeCodeHarness (with a stand-in binary)', () => {
  it('reads session id, usage, cost and the result text; passes the budget in USD', async () => {
    const { root, repository } = temporaryRepository();
    const binary = writeFakeAgentCli(root, 'claude');
    const records = [
      { type: 'system', subtype: 'init', session_id: 's-1' },
      {
        type: 'assistant',
        message: {
          id: 'm1',
          content: [{ type: 'text', text: 'hi' }],
          usage: { input_tokens: 3, output_tokens: 1 },
        },
      },
      {
        type: 'result',
        is_error: false,
        result: 'final',
        session_id: 's-1',
        total_cost_usd: 0.5,
        usage: { input_tokens: 30, output_tokens: 10 },
      },
    ];
    const run = await new ClaudeCodeHarness({ binary, baseEnvironment: { PATH: process.env['PATH'] } }).run({
      role: 'developer',
      prompt: 'do it',
      workingDirectory: repository,
      filesInScope: [],
      budget: { maxCredits: 0.25 },
      environment: { FAKE_RECORDS: JSON.stringify(records) },
    });
    expect(run).toMatchObject({
      status: 'budget-exceeded',
      sessionId: 's-1',
      text: 'final',
      usage: { reported: true, inputTokens: 30, outputTokens: 10, costUsd: 0.5 },
      error: 'the run used 0.5 USD, over its budget of 0.25',
    });
    expect(JSON.parse(readFileSync(join(root, 'argv.json'), 'utf8'))).toEqual([
      '-p',
      'do it',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--allowedTools',
      'Read(./**) Write(./**) Edit(./**)',
      '--max-budget-usd',
      '0.25',
    ]);
  });
});
