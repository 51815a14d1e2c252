import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit, createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

const COMPAT = fileURLToPath(new URL('../../../test-support/compat/', import.meta.url));
let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

async function initializedRepository(
  files: Record<string, string> = { 'README.md': '# readme\n' },
  initArgs: string[] = [],
) {
  temporary = await createTemporaryRepository({ files });
  const init = await hyperion(['init', '--repo', temporary.root, ...initArgs]);
  expect(init.code).toBe(0);
  return temporary;
}

function writeJson(_root: string, name: string, value: unknown): string {
  const file = join(temporaryDirectory('hyperion-input'), name.replace('../', ''));
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

async function queueList(root: string): Promise<Array<Record<string, unknown>>> {
  const listed = await hyperion(['queue', 'list', '--repo', root, '--json']);
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
}

describe('hyperion init', () => {
  it('creates .hyperion/ with a config pointing at its JSON Schema, and keeps it out of git status', async () => {
    const { root } = await initializedRepository();
    const config = JSON.parse(readFileSync(join(root, '.hyperion', 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config['$schema']).toBe('./config.schema.json');
    expect(existsSync(join(root, '.hyperion', 'config.schema.json'))).toBe(true);
    expect((await runGit(['status', '--porcelain'], { cwd: root })).stdout).toBe('');
  });

  it('fails with exit 4 outside a git repository', async () => {
    const result = await hyperion(['init', '--repo', '/nonexistent/place']);
    expect(result.code).toBe(4);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error\[repo_not_found\]/);
  });
});

describe('hyperion request', () => {
  it('on the compat sample request, says plainly the stub cannot write the change (exit 6) and enqueues nothing', async () => {
    const { root } = await initializedRepository();
    const result = await hyperion(['request', join(COMPAT, 'original-sample-request.json'), '--repo', root]);
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/^error\[stub_cannot_write\]: REQ-9001-1: the stub agent cannot write/);
    expect(await queueList(root)).toEqual([]);
  });

  it('on the compat new-file request, reads the missing path as a file to create: no question, the stub says it cannot write it (exit 6)', async () => {
    const { root } = await initializedRepository();
    const result = await hyperion([
      'request',
      join(COMPAT, 'original-sample-new-file-request.json'),
      '--repo',
      root,
    ]);
    expect(result.stderr).not.toMatch(/should it be created/);
    expect(result.stderr).toMatch(/^error\[stub_cannot_write\]: REQ-9003-1: the stub agent cannot write/);
    expect(result.code).toBe(6);
    expect(await queueList(root)).toEqual([]);
  });

  it('prints one JSON object with assignments and enqueued change requests, and --wait lands them', async () => {
    const { root } = await initializedRepository({ 'a.txt': 'a\n' }, ['--check', 'has-a=test -f a.txt']);
    const file = writeJson(root, '../request.json', {
      request_id: 'R-1',
      summary: 'Upper-case a',
      requested_changes: [
        { path: 'a.txt', content: 'A\n' },
        { path: 'docs/b.txt', operation: 'create', content: 'b\n' },
      ],
    });
    const result = await hyperion(['request', file, '--repo', root, '--wait', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(outcome['assignments']).toEqual([
      expect.objectContaining({ task_id: 'R-1-1', files: ['a.txt'] }),
      expect.objectContaining({ task_id: 'R-1-2', files: ['docs/b.txt'] }),
    ]);
    expect(outcome['enqueued']).toEqual([
      expect.objectContaining({ task_id: 'R-1-1', paths: ['a.txt'] }),
      expect.objectContaining({ task_id: 'R-1-2', paths: ['docs/b.txt'] }),
    ]);
    expect(outcome['outcome']).toEqual([
      expect.objectContaining({ state: 'landed' }),
      expect.objectContaining({ state: 'landed' }),
    ]);
    const body = (await runGit(['log', '-1', '--format=%B', 'main', '--', 'a.txt'], { cwd: root })).stdout;
    expect(body).toMatch(/Hyperion-Task: R-1-1/);
    expect(body).toMatch(/Hyperion-Change: chg-/);
    expect(body).toMatch(/Hyperion-Request: R-1/);
  });

  it('rejects bad input with one clear line, a non-zero exit and nothing written', async () => {
    const { root } = await initializedRepository();
    const cases: Array<[unknown, number, RegExp]> = [
      ['{ "summary": ', 3, /^error\[invalid_json\]: .*request\.json: invalid JSON at line 1, column \d+/],
      [{ requested_changes: [] }, 3, /^error\[schema_violation\]: .*request\.json: summary: /],
      [
        { summary: 's', requested_changes: [{ path: '../escape.txt', content: 'x' }] },
        3,
        /^error\[unsafe_path\]: .*requested_changes\[0\]\.path: unsafe path '\.\.\/escape\.txt'/,
      ],
      [{ summary: 's', requested_changes: [{ path: '.git/config', content: 'x' }] }, 3, /under \.git\//],
      [{ summary: 's', requested_changes: [{ path: '/etc/passwd', content: 'x' }] }, 3, /is absolute/],
      [
        { summary: 's', requested_changes: [{ path: 'README.md', content: 'x' }], extra: 1 },
        3,
        /\(root\): unknown key\(s\): extra/,
      ],
      [
        {
          summary: 's',
          requested_changes: [
            { path: 'README.md', diff: '--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-nope\n+x\n' },
          ],
        },
        5,
        /^error\[patch_does_not_apply\]: REQ-[0-9a-f]+-1: the diff for "README\.md" does not apply/,
      ],
    ];
    for (const [content, code, message] of cases) {
      const file = writeJson(root, '../request.json', content);
      const result = await hyperion(['request', file, '--repo', root]);
      expect(result.code, JSON.stringify(content)).toBe(code);
      expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect(await queueList(root)).toEqual([]);
    expect((await runGit(['status', '--porcelain'], { cwd: root })).stdout).toBe('');
  });

  it('names an unknown config key and a missing target branch (exit 3 and 4)', async () => {
    const { root } = await initializedRepository();
    const request = writeJson(root, '../request.json', {
      summary: 's',
      requested_changes: [{ path: 'README.md', content: 'x\n' }],
    });
    const configFile = join(root, '.hyperion', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, wokers: 2 }));
    const unknown = await hyperion(['request', request, '--repo', root]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(
      /^error\[unknown_config_key\]: .*config\.json: \(root\): unknown key\(s\): wokers/,
    );
    writeFileSync(configFile, JSON.stringify({ ...config, target_branch: 'trunk' }));
    const missing = await hyperion(['request', request, '--repo', root]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error\[branch_not_found\]: target branch 'trunk' does not exist/);
    expect(await queueList(root)).toEqual([]);
  });
});

describe('hyperion submit, worker and queue', () => {
  it('refuses the compat sample change because its hunk header has no line ranges', async () => {
    const { root } = await initializedRepository();
    const result = await hyperion(['submit', join(COMPAT, 'original-sample-change.json'), '--repo', root]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error\[invalid_input\]: changes\[0\]\.patch: .*no line ranges/);
    expect(await queueList(root)).toEqual([]);
  });

  it("accepts the compat sample with the original's operation add, stores it as create, and lands the new file", async () => {
    const { root } = await initializedRepository();
    expect(existsSync(join(root, 'docs', 'CHANGELOG.md'))).toBe(false);
    const submitted = await hyperion([
      'submit',
      join(COMPAT, 'original-sample-add.json'),
      '--repo',
      root,
      '--json',
    ]);
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    const entry = JSON.parse(submitted.stdout) as { id: string };
    const worker = await hyperion(['worker', '--drain', '--repo', root, '--json']);
    expect(worker.code).toBe(0);
    expect(JSON.parse(worker.stdout)).toEqual({ mode: 'drain', summary: { landed: 1 } });
    const shown = await hyperion(['queue', 'show', entry.id, '--repo', root, '--json']);
    expect(shown.stdout).not.toMatch(/"add"/);
    expect((JSON.parse(shown.stdout) as { entry: { state: string } }).entry.state).toBe('landed');
    const landed = await runGit(['show', 'main:docs/CHANGELOG.md'], { cwd: root });
    expect(landed.stdout).toBe('# Changelog\n\n- Approvals are recorded per cast.\n');
  });

  it('refuses a patch that does not apply (exit 5), then enqueues and lands a good one with worker --drain', async () => {
    const { root } = await initializedRepository({ 'a.txt': 'a\n' });
    const patch = (before: string, after: string) =>
      `diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-${before}\n+${after}\n`;
    const change = (before: string) => ({
      task_id: 'T-1',
      agent: 'elsewhere',
      changes: [{ path: 'a.txt', operation: 'update', patch: patch(before, 'A') }],
    });
    const bad = await hyperion(['submit', writeJson(root, '../bad.json', change('zzz')), '--repo', root]);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/^error\[patch_does_not_apply\]: the patch does not apply on main/);
    expect(await queueList(root)).toEqual([]);
    const good = await hyperion([
      'submit',
      writeJson(root, '../good.json', change('a')),
      '--repo',
      root,
      '--json',
    ]);
    expect(good.code).toBe(0);
    const entry = JSON.parse(good.stdout) as { id: string };
    const again = await hyperion(['submit', writeJson(root, '../good.json', change('a')), '--repo', root]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/duplicate submission/);
    const worker = await hyperion(['worker', '--drain', '--repo', root, '--json']);
    expect(worker.code).toBe(0);
    expect(JSON.parse(worker.stdout)).toEqual({ mode: 'drain', summary: { landed: 1 } });
    const shown = await hyperion(['queue', 'show', entry.id, '--repo', root, '--json']);
    const detail = JSON.parse(shown.stdout) as { entry: { state: string }; events: Array<{ type: string }> };
    expect(detail.entry.state).toBe('landed');
    expect(detail.events.map((event) => event.type)).toContain('entry:landed');
    const missing = await hyperion(['queue', 'show', 'chg-nope', '--repo', root]);
    expect(missing.code).toBe(7);
    expect(missing.stderr).toBe("error[not_found]: no queue entry with id 'chg-nope'\n");
  });
});

describe('hyperion schema and usage', () => {
  it('prints the JSON Schema of each wire format, and rejects an unknown one', async () => {
    const listed = await hyperion(['schema']);
    expect(listed.stdout.trim().split('\n')).toEqual([
      'task-request',
      'task-assignment',
      'change-request',
      'queue-entry',
      'queue-event',
      'config',
    ]);
    const schema = JSON.parse((await hyperion(['schema', 'change-request'])).stdout) as Record<
      string,
      unknown
    >;
    expect(schema['type']).toBe('object');
    expect(Object.keys(schema['properties'] as object)).toContain('changes');
    const changes = (
      schema['properties'] as Record<string, { items: { properties: Record<string, unknown> } }>
    )['changes']!;
    expect(changes.items.properties['operation']).toMatchObject({
      enum: ['create', 'update', 'delete', 'add'],
    });
    const unknown = await hyperion(['schema', 'nope']);
    expect(unknown.code).toBe(3);
  });

  it('exits 2 on a usage error', async () => {
    const result = await hyperion(['frobnicate']);
    expect(result.code).toBe(2);
  });
});
