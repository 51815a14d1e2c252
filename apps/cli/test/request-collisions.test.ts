import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

/** A real agent process: appends the prompt's `tag=NAME` to the `owners:` line of each file in scope. */
const AGENT_SCRIPT = `
const { readFileSync, writeFileSync } = require('node:fs');
const [prompt, ...files] = process.argv.slice(2);
const tag = /tag=([A-Za-z0-9-]+)/.exec(prompt);
if (tag === null) process.exit(0);
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/^owners: (.*)$/m, (line, list) => 'owners: ' + list + ', ' + tag[1]));
}
`;

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

async function initialized(): Promise<string> {
  temporary = await createTemporaryRepository({
    files: { 'owners.txt': '# owners\nowners: alice\n', 'team.txt': 'owners: bob\n' },
  });
  const root = temporary.root;
  expect((await hyperion(['init', '--repo', root])).code).toBe(0);
  const script = join(temporaryDirectory('hyperion-agent'), 'tag-agent.cjs');
  writeFileSync(script, AGENT_SCRIPT);
  const configFile = join(root, '.hyperion', 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      agent: { name: 'command', command: [process.execPath, script, '{prompt}', '{files}'] },
    }),
  );
  return root;
}

function requestFile(value: unknown): string {
  const file = join(temporaryDirectory('hyperion-request'), 'request.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

type Json = Record<string, unknown>;

describe('hyperion request with collisions and phases', () => {
  it('stacks a second request on the same line on the first (predicted by `plan request`, reported by `request`), and both land in order', async () => {
    const root = await initialized();
    const first = await hyperion([
      'request',
      requestFile({
        request_id: 'R-1',
        summary: 'one',
        requested_changes: [{ path: 'owners.txt', summary: 'tag=R1' }],
      }),
      '--repo',
      root,
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const firstEntry = ((JSON.parse(first.stdout) as Json)['enqueued'] as Json[])[0]!['change_id'] as string;
    const file = requestFile({
      request_id: 'R-2',
      summary: 'two',
      requested_changes: [{ path: 'owners.txt', summary: 'tag=R2' }],
    });
    const planned = await hyperion(['plan', 'request', file, '--repo', root]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain('Collisions predicted (orchestrator.collisions: stack):');
    expect(planned.stdout).toMatch(new RegExp(`R-2-1 +owners\\.txt: ${firstEntry} \\(R-1-1, queued\\)`));
    const second = await hyperion(['request', file, '--repo', root]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Collisions (orchestrator.collisions: stack):');
    expect(second.stdout).toMatch(new RegExp(`R-2-1 +owners\\.txt: ${firstEntry} \\(R-1-1, queued\\)`));
    expect(second.stdout).toMatch(
      new RegExp(`stacked on ${firstEntry}, developer started from [0-9a-f]{12}`),
    );
    const shown = await hyperion(['queue', 'list', '--repo', root, '--json']);
    const entries = JSON.parse(shown.stdout) as Json[];
    const stacked = entries.find((entry) => entry['task_id'] === 'R-2-1')!;
    expect(stacked['depends_on']).toEqual([firstEntry]);
    const worker = await hyperion(['worker', '--drain', '--repo', root, '--json']);
    expect(JSON.parse(worker.stdout)).toEqual({ mode: 'drain', summary: { landed: 2 } });
    const landed = await hyperion(['queue', 'list', '--repo', root, '--json']);
    expect((JSON.parse(landed.stdout) as Json[]).map((entry) => entry['state'])).toEqual([
      'landed',
      'landed',
    ]);
    expect(readFileSync(join(root, 'owners.txt'), 'utf8')).toBe('# owners\nowners: alice, R1, R2\n');
  });

  it('plans phases for the same file twice and an explicit order: `plan request` and `request --json` show them', async () => {
    const root = await initialized();
    const file = requestFile({
      request_id: 'R-P',
      summary: 'phased',
      requested_changes: [
        { path: 'owners.txt', summary: 'tag=P1' },
        { path: 'owners.txt', summary: 'tag=P2' },
        { path: 'team.txt', summary: 'tag=P3', phase: 2 },
      ],
    });
    const planned = await hyperion(['plan', 'request', file, '--repo', root, '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    const phases = [
      { phase: 1, task_ids: ['R-P-1'] },
      { phase: 2, task_ids: ['R-P-2'], reason: 'same file again' },
      { phase: 3, task_ids: ['R-P-3'], reason: 'explicit order' },
    ];
    expect((JSON.parse(planned.stdout) as Json)['phases']).toEqual(phases);
    const text = await hyperion(['plan', 'request', file, '--repo', root]);
    expect(text.stdout).toContain('Phases: 3 (each starts from the result of the ones before)');
    expect(text.stdout).toMatch(/phase 2 +R-P-2 \(same file again\)/);
    const requested = await hyperion(['request', file, '--repo', root, '--wait', '--json']);
    expect(requested.code, requested.stderr).toBe(0);
    const outcome = JSON.parse(requested.stdout) as Json;
    expect(outcome['phases']).toEqual(phases);
    expect((outcome['outcome'] as Json[]).map((entry) => entry['state'])).toEqual([
      'landed',
      'landed',
      'landed',
    ]);
    expect(readFileSync(join(root, 'owners.txt'), 'utf8')).toBe('# owners\nowners: alice, P1, P2\n');
    expect(readFileSync(join(root, 'team.txt'), 'utf8')).toBe('owners: bob, P3\n');
  });
});
