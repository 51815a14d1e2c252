import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

type Json = Record<string, unknown>;

async function initialized(files: Record<string, string>, config: Json = {}) {
  temporary = await createTemporaryRepository({ files });
  expect((await hyperion(['init', '--repo', temporary.root])).code).toBe(0);
  const configFile = join(temporary.root, '.hyperion', 'config.json');
  const current = JSON.parse(readFileSync(configFile, 'utf8')) as Json;
  writeFileSync(configFile, JSON.stringify({ ...current, ...config }));
  return temporary.root;
}

function requestFile(value: unknown): string {
  const file = join(temporaryDirectory('hyperion-request'), 'request.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/**
 * A command agent: planning runs print nothing (the deterministic path takes over); a developer
 * writes its pid, reports usage over the budget as a JSON usage line, and then hangs until killed.
 */
const AGENT = String.raw`
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [markers, prompt] = process.argv.slice(2);
if (prompt.startsWith('You are the engineer') || prompt.startsWith('You are the orchestrator')) process.exit(0);
writeFileSync(join(markers, 'developer.pid'), String(process.pid));
console.log(JSON.stringify({ usage: { input_tokens: 120, cached_input_tokens: 20, output_tokens: 30 } }));
setInterval(() => {}, 1000);
`;

describe('hyperion request with a request budget', () => {
  it('stops the agent that spends the budget, fails (exit 6) with the spending, and `requests` shows it', async () => {
    const agentDirectory = temporaryDirectory('hyperion-budget-agent');
    writeFileSync(join(agentDirectory, 'agent.mjs'), AGENT);
    const root = await initialized(
      { 'a.txt': 'a\n' },
      {
        agent: {
          name: 'command',
          command: [process.execPath, join(agentDirectory, 'agent.mjs'), agentDirectory, '{prompt}'],
          command_reports_usage: true,
        },
      },
    );
    const result = await hyperion([
      'request',
      requestFile({
        request_id: 'R-BUDGET',
        summary: 'edit a on a small budget',
        requested_changes: [{ path: 'a.txt', summary: 'edit a' }],
        budget: { max_tokens: 100 },
      }),
      '--repo',
      root,
    ]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain("request R-BUDGET: the request's budget is spent: 150 tokens of its 100");
    const pid = Number(readFileSync(join(agentDirectory, 'developer.pid'), 'utf8'));
    expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')).toBe(
      false,
    );
    const listed = await hyperion(['requests', '--repo', root, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const [story] = JSON.parse(listed.stdout) as Json[];
    expect(story).toMatchObject({
      id: 'R-BUDGET',
      status: 'failed',
      budget: { max_tokens: 100 },
      usage: { input_tokens: 120, cached_input_tokens: 20, output_tokens: 30 },
    });
    const [assignment] = story!['assignments'] as Json[];
    expect(assignment).toMatchObject({ outcome: 'failed' });
    expect(assignment!['runs']).toEqual([
      expect.objectContaining({
        status: 'budget-exceeded',
        input_tokens: 120,
        cached_input_tokens: 20,
        output_tokens: 30,
      }),
    ]);
    const text = await hyperion(['requests', '--repo', root]);
    expect(text.stdout).toMatch(/R-BUDGET\s+failed/);
    expect(text.stdout).toContain("the request's budget is spent: 150 tokens of its 100");
    expect(text.stdout).toContain('usage: 120 in (20 cached) / 30 out tokens');
    expect(text.stdout).toContain('budget: max_tokens 100');
  }, 120_000);
});

describe('hyperion request with on_partial_failure: land_succeeded', () => {
  it('lands the part that succeeded, lists the part that failed with why, and exits 6', async () => {
    const root = await initialized(
      { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      { orchestrator: { group_by: 'file' } },
    );
    const result = await hyperion([
      'request',
      requestFile({
        request_id: 'R-PART',
        summary: 'one edit the stub can make, one it cannot',
        requested_changes: [
          { path: 'a.txt', content: 'A\n' },
          { path: 'b.txt', summary: 'rewrite b in prose' },
        ],
        on_partial_failure: 'land_succeeded',
      }),
      '--repo',
      root,
      '--wait',
    ]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stdout).toMatch(/Enqueued 1 change request\(s\):\n\s+chg-\S+\s+R-PART-1\s+a\.txt/);
    expect(result.stdout).toMatch(
      /Not enqueued \(1 failed, on_partial_failure: land_succeeded\):\n\s+R-PART-2\s+stub_cannot_write\s+R-PART-2: /,
    );
    expect(result.stdout).toMatch(/Outcome:\n\s+chg-\S+\s+landed/);
    expect(result.stderr).toContain('1 of 2 assignment(s) failed and were not enqueued: R-PART-2 (');
    expect((await runGit(['show', 'main:a.txt'], { cwd: root })).stdout).toBe('A\n');
    expect((await runGit(['show', 'main:b.txt'], { cwd: root })).stdout).toBe('b\n');
    const listed = await hyperion(['requests', '--repo', root, '--json']);
    const [story] = JSON.parse(listed.stdout) as Json[];
    expect(story).toMatchObject({ id: 'R-PART', status: 'partial', outcome: { landed: 1 } });
    expect(
      (story!['assignments'] as Json[]).map((assignment) => [assignment['task_id'], assignment['outcome']]),
    ).toEqual([
      ['R-PART-1', 'landed'],
      ['R-PART-2', 'failed'],
    ]);
    const text = await hyperion(['requests', '--repo', root]);
    expect(text.stdout).toMatch(/R-PART\s+partial/);
    expect(text.stdout).toMatch(/R-PART-1\s+landed/);
    expect(text.stdout).toMatch(/R-PART-2\s+failed[^\n]*\n\s+R-PART-2: /);
  }, 120_000);
});
