import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { nodeAgentOptions, nodeAgentPrompt } from '../test-support/node-agent.js';
import { temporaryRepository } from '../test-support/temporary-repository.js';
import type { AgentEvent } from '../v1/agent-event.js';
import type { AgentRunRequest } from '../v1/agent-run-request.js';
import { CommandHarness } from './command-harness.js';

function request(workingDirectory: string, task: Record<string, unknown>): AgentRunRequest {
  return {
    role: 'developer',
    prompt: nodeAgentPrompt(task),
    workingDirectory,
    filesInScope: ['a.txt', 'b.txt'],
  };
}

/** True while `pid` runs; a zombie (dead, not yet reaped by a PID 1 that never reaps) counts as dead. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

describe('CommandHarness', () => {
  it('runs the command in the working directory, streams its lines as events and reports the exit code', async () => {
    const { repository } = temporaryRepository();
    const events: AgentEvent[] = [];
    const result = await new CommandHarness(nodeAgentOptions).run({
      ...request(repository, { write: { path: 'a.txt', content: 'hello\n' }, stderr: 'a warning' }),
      onEvent: (event) => events.push(event),
    });
    expect(result).toMatchObject({
      status: 'ok',
      text: 'wrote a.txt',
      exitCode: 0,
      usage: { reported: false },
    });
    expect(readFileSync(join(repository, 'a.txt'), 'utf8')).toBe('hello\n');
    expect(events.map((event) => event.type)).toEqual([
      'run:started',
      'output:line',
      'output:line',
      'run:finished',
    ]);
    const lines = events.filter((event) => event.type === 'output:line').map((event) => event.data);
    expect(lines).toEqual(
      expect.arrayContaining([
        { stream: 'stdout', line: 'wrote a.txt' },
        { stream: 'stderr', line: 'a warning' },
      ]),
    );
  });

  it('fails with the exit code and the last stderr line when the command exits non-zero', async () => {
    const { repository } = temporaryRepository();
    const result = await new CommandHarness(nodeAgentOptions).run(
      request(repository, { stderr: 'no model', exit: 3 }),
    );
    expect(result).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(result.error).toMatch(/exited with code 3: no model$/);
  });

  it('says how to fix a command that is not installed', async () => {
    const { repository } = temporaryRepository();
    const result = await new CommandHarness({ command: ['hyperion-no-such-agent', '{prompt}'] }).run(
      request(repository, {}),
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(
      /^cannot start "hyperion-no-such-agent" \(.*ENOENT.*\): is it installed and on PATH\?$/,
    );
  });

  it('passes only PATH, HOME, LANG, allowed names and the request environment, never a secret', async () => {
    const { repository } = temporaryRepository();
    const harness = new CommandHarness({
      ...nodeAgentOptions,
      baseEnvironment: {
        PATH: process.env['PATH'],
        HOME: '/home/agent',
        OTHER: 'x',
        GITHUB_TOKEN: 'ghp_secretvalue1',
        TEAM: 't',
      },
      allowEnvironment: ['TEAM', 'GITHUB_TOKEN'],
      secretNames: ['GITHUB_TOKEN', 'MY_KEY'],
    });
    const events: AgentEvent[] = [];
    const result = await harness.run({
      ...request(repository, { environment: true, print: 'token ghp_secretvalue1 and key key-value-2' }),
      environment: { EXTRA: 'yes', MY_KEY: 'key-value-2' },
      onEvent: (event) => events.push(event),
    });
    const lines = result.text.split('\n');
    expect(lines[0]).toBe('"token [redacted] and key [redacted]"');
    const environment = JSON.parse(lines[1] ?? '{}') as Record<string, string>;
    expect(Object.keys(environment).sort()).toEqual(
      expect.arrayContaining(['EXTRA', 'HOME', 'PATH', 'TEAM']),
    );
    expect(environment).not.toHaveProperty('OTHER');
    expect(environment).not.toHaveProperty('GITHUB_TOKEN');
    expect(environment).not.toHaveProperty('MY_KEY');
    expect(JSON.stringify(events)).not.toContain('secretvalue1');
    expect(JSON.stringify(events)).not.toContain('key-value-2');
  });

  it('substitutes {files} and {model} as separate arguments, and quotes them in a string template', async () => {
    const { repository } = temporaryRepository();
    const printArguments = 'console.log(JSON.stringify(process.argv.slice(1)))';
    const argv = await new CommandHarness({
      command: [process.execPath, '-e', printArguments, '{files}', 'm={model}'],
    }).run({
      ...request(repository, {}),
      filesInScope: ['a b.txt', 'c.txt'],
      model: 'gpt-x',
    });
    expect(JSON.parse(argv.text)).toEqual(['a b.txt', 'c.txt', 'm=gpt-x']);
    const shell = await new CommandHarness({ command: `printf '%s|' {files} {prompt}` }).run({
      ...request(repository, {}),
      prompt: `it's $(touch pwned) ; done`,
      filesInScope: ['a b.txt'],
    });
    expect(shell.text).toBe(`a b.txt|it's $(touch pwned) ; done|`);
    expect(existsSync(join(repository, 'pwned'))).toBe(false);
  });

  it('kills the whole process group on abort, grandchildren included', async () => {
    const { root, repository } = temporaryRepository();
    const pidFile = join(root, 'grandchild.pid');
    const controller = new AbortController();
    const running = new CommandHarness(nodeAgentOptions).run({
      ...request(repository, { hang: true, pidFile }),
      abortSignal: controller.signal,
      onEvent: (event) => {
        if (event.data['line'] === 'hanging') controller.abort();
      },
    });
    const result = await running;
    expect(result).toMatchObject({ status: 'cancelled', error: 'the run was cancelled' });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    await sleep(100);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL when the agent ignores SIGTERM, and reports the timeout', async () => {
    const { repository } = temporaryRepository();
    const stubborn =
      "process.on('SIGTERM', () => console.log('ignored')); console.log('up'); setInterval(() => {}, 1000)";
    const startedAt = Date.now();
    const result = await new CommandHarness({
      command: [process.execPath, '-e', stubborn],
      killGraceMs: 300,
    }).run({
      ...request(repository, {}),
      budget: { timeoutMs: 300 },
    });
    expect(result).toMatchObject({ status: 'timed-out', error: 'the run timed out after 300 ms' });
    expect(result.text).toBe('up\nignored');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(600);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('returns JSON output as structured output when an output schema is given', async () => {
    const { repository } = temporaryRepository();
    const result = await new CommandHarness(nodeAgentOptions).run({
      ...request(repository, { print: { files: ['a.txt'] } }),
      outputSchema: { type: 'object', properties: { files: { type: 'array', items: { type: 'string' } } } },
    });
    expect(result).toMatchObject({ status: 'ok', structuredOutput: { files: ['a.txt'] } });
    const notJson = await new CommandHarness(nodeAgentOptions).run({
      ...request(repository, { print: undefined, write: { path: 'b.txt', content: '' } }),
      outputSchema: { type: 'object' },
    });
    expect(notJson).toMatchObject({
      status: 'failed',
      error: 'the agent output is not JSON, but an output schema was given',
    });
  });

  it('refuses an empty command template', () => {
    expect(() => new CommandHarness({ command: [] })).toThrow(/needs a non-empty command template/);
  });
});
