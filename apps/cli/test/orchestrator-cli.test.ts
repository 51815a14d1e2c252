import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { BIN, hyperion, type CliRun } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

const WORKPLAN = fileURLToPath(
  new URL('../../../packages/orchestrator/test/fixtures/WORKPLAN.md', import.meta.url),
);
let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

async function initialized(files: Record<string, string>, config: Record<string, unknown> = {}) {
  temporary = await createTemporaryRepository({ files });
  expect((await hyperion(['init', '--repo', temporary.root])).code).toBe(0);
  const configFile = join(temporary.root, '.hyperion', 'config.json');
  const current = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(configFile, JSON.stringify({ ...current, ...config }));
  return temporary.root;
}

function requestFile(value: unknown): string {
  const file = join(temporaryDirectory('hyperion-request'), 'request.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

type Json = Record<string, unknown>;

async function history(root: string): Promise<Json[]> {
  const listed = await hyperion(['requests', '--repo', root, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Json[];
}

/** Runs the binary with `input` written to its stdin. */
function hyperionWithInput(args: string[], input: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, HYPERION_LOG: undefined },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

const UNAPPROVED =
  '## Plan Metadata\nApproval pattern: ^Approved:[[:space:]]+yes$\nRequired sections: Intent, Approval\nValidation policy: true\n\n## Approval\nApproved: no\n';

describe('hyperion plan check', () => {
  it('passes the seed WORKPLAN.md, and reports each problem of a bad plan with its line (exit 3)', async () => {
    const good = await hyperion(['plan', 'check', WORKPLAN]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/approved, 9 required sections present/);
    const file = join(temporaryDirectory('hyperion-plan'), 'PLAN.md');
    writeFileSync(file, UNAPPROVED);
    const bad = await hyperion(['plan', 'check', file]);
    expect(bad.code).toBe(3);
    expect(bad.stdout.trim().split('\n')).toEqual([
      `${file}:3: required section 'Intent' is missing (no '## Intent' heading)`,
      `${file}:6: the plan is not approved: no line of ## Approval matches the approval pattern ^Approved:[[:space:]]+yes$`,
    ]);
    expect(bad.stderr).toMatch(/^error\[invalid_input\]: .*2 problem\(s\); the plan blocks dispatch/);
  });
});

describe('hyperion request with the orchestrator pipeline', () => {
  it('refuses to dispatch while the configured plan is unapproved: exit 3, nothing stored', async () => {
    const root = await initialized({ 'a.txt': 'a\n', 'PLAN.md': UNAPPROVED }, { plan: { file: 'PLAN.md' } });
    const result = await hyperion([
      'request',
      requestFile({
        request_id: 'R-1',
        summary: 's',
        requested_changes: [{ path: 'a.txt', content: 'A\n' }],
      }),
      '--repo',
      root,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^error\[invalid_input\]: the plan PLAN\.md blocks dispatch: PLAN\.md:3: required section 'Intent'/,
    );
    expect(await history(root)).toEqual([]);
  });

  it('stops on open questions, and --interactive asks them on the terminal and goes ahead', async () => {
    const root = await initialized({ 'a.txt': 'a\n' });
    const file = requestFile({
      request_id: 'R-Q',
      summary: 'add notes',
      requested_changes: [{ path: 'notes.md', content: 'notes\n', operation: 'update' }],
    });
    const stopped = await hyperion(['request', file, '--repo', root]);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/'notes\.md' does not exist at the base commit: should it be created/);
    const asked = await hyperionWithInput(
      ['request', file, '--repo', root, '--interactive', '--wait', '--json'],
      'yes\n',
    );
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stderr).toContain(`? 'notes.md' does not exist at the base commit`);
    expect(JSON.parse(asked.stdout).outcome).toEqual([expect.objectContaining({ state: 'landed' })]);
    const noAnswer = await hyperionWithInput(
      [
        'request',
        requestFile({ request_id: 'R-N', summary: 's', requested_changes: [{ path: 'A.txt', diff: 'x' }] }),
        '--repo',
        root,
        '--interactive',
      ],
      '',
    );
    expect(noAnswer.code).toBe(3);
    expect(noAnswer.stderr).toMatch(/no answer on standard input/);
  });

  it('lands a 20-file request across directories as disjoint assignments, and `requests --json` tells the story', async () => {
    const paths = ['src/api', 'src/core', 'lib', 'docs', 'test'].flatMap((directory) =>
      [1, 2, 3, 4].map((index) => `${directory}/f${index}.txt`),
    );
    const root = await initialized(Object.fromEntries(paths.map((path) => [path, `${path}\n`])), {
      orchestrator: { max_files_per_assignment: 3 },
    });
    const result = await hyperion([
      'request',
      requestFile({
        request_id: 'R-20',
        summary: 'Mark every file',
        requested_changes: paths.map((path) => ({ path, content: `${path}\nmarked\n` })),
      }),
      '--repo',
      root,
      '--wait',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as { assignments: Array<{ files: string[] }> };
    const owned = outcome.assignments.flatMap((assignment) => assignment.files);
    expect(owned.sort()).toEqual([...paths].sort());
    expect(outcome.assignments.every((assignment) => assignment.files.length <= 3)).toBe(true);
    expect(outcome.assignments).toHaveLength(10);
    const [story] = await history(root);
    expect(story).toMatchObject({ id: 'R-20', status: 'enqueued', outcome: { landed: 10 } });
    expect(story!['assignments']).toHaveLength(10);
    for (const assignment of story!['assignments'] as Json[]) {
      expect(assignment['entries']).toEqual([expect.objectContaining({ state: 'landed' })]);
      expect(assignment['usage']).toMatchObject({ runs: 1, unreported: 1 });
    }
    expect(readFileSync(join(root, 'docs/f4.txt'), 'utf8')).toBe('docs/f4.txt\nmarked\n');
    const text = await hyperion(['requests', '--repo', root]);
    expect(text.stdout).toMatch(/R-20-1\s+landed\s+usage not reported/);
  }, 180_000);
});

describe('hyperion watch', () => {
  it('--once ingests every request file of the inbox once: processed/ or failed/ with the error beside it', async () => {
    const root = await initialized({ 'a.txt': 'a\n' });
    const inbox = join(root, '.hyperion', 'inbox');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(
      join(inbox, 'good.json'),
      JSON.stringify({ summary: 'edit a', requested_changes: [{ path: 'a.txt', content: 'A\n' }] }),
    );
    writeFileSync(join(inbox, 'bad.json'), JSON.stringify({ summary: '' }));
    const first = await hyperion(['watch', '--once', '--repo', root]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').sort()).toEqual([
      expect.stringMatching(/^failed bad\.json: error\[schema_violation\]: .*summary: must not be empty/),
      'processed good.json',
    ]);
    expect(readdirSync(join(inbox, 'processed'))).toEqual(['good.json']);
    expect(existsSync(join(inbox, 'failed', 'bad.json.error.txt'))).toBe(true);
    const again = await hyperion(['watch', '--once', '--repo', root]);
    expect(again.stdout).toBe('');
    const requests = await history(root);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: 'enqueued', summary: 'edit a' });
    expect((await runGit(['status', '--porcelain'], { cwd: root })).stdout).toBe('');
  });
});
