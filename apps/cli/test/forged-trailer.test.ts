import { writeFileSync } from 'node:fs';
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

async function initialized(): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'README.md': '# readme\n' } });
  expect((await hyperion(['init', '--repo', temporary.root])).code).toBe(0);
  return temporary.root;
}

function inputFile(name: string, value: unknown): string {
  const file = join(temporaryDirectory('hyperion-forged'), name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const newFile = (path: string, line: string) =>
  `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${line}\n`;

async function submit(root: string, change: unknown, extra: string[] = []): Promise<Record<string, unknown>> {
  const result = await hyperion([
    'submit',
    inputFile('change.json', change),
    '--repo',
    root,
    '--json',
    ...extra,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

async function entries(root: string): Promise<Array<Record<string, unknown>>> {
  const listed = await hyperion(['queue', 'list', '--repo', root, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
}

/** Drains the queue, then expects `victim` to have landed as its own commit carrying `path`. */
async function expectVictimLandsItsOwnFile(root: string, victim: string, path: string): Promise<void> {
  // One worker, so the forger lands before the victim is looked at (three would race them).
  const drained = await hyperion(['worker', '--drain', '--workers', '1', '--repo', root, '--json']);
  expect(drained.code, drained.stderr).toBe(0);
  const victimEntry = (await entries(root)).find((entry) => entry['id'] === victim)!;
  expect(victimEntry['state']).toBe('landed');
  const files = await runGit(['ls-tree', '-r', '--name-only', 'main'], { cwd: root });
  expect(files.stdout.split('\n')).toContain(path);
  const touched = await runGit(
    ['diff-tree', '--no-commit-id', '--name-only', '-r', String(victimEntry['landed_commit'])],
    { cwd: root },
  );
  expect(touched.stdout.trim()).toBe(path);
  const events = await hyperion(['log', 'export', '--repo', root]);
  expect(events.stdout).not.toContain('entry:already_landed');
  const verify = await hyperion(['log', 'verify', '--repo', root]);
  expect(verify.code, verify.stdout).toBe(0);
}

describe('a forged trailer through the CLI (promise 10)', () => {
  it('in a submitted summary does not mark the queued entry it names landed', async () => {
    const root = await initialized();
    const victim = await submit(root, {
      task_id: 'T-a',
      agent: 'a',
      changes: [{ path: 'a.txt', operation: 'create', patch: newFile('a.txt', 'a') }],
    });
    await submit(
      root,
      {
        task_id: 'T-b',
        agent: 'b',
        summary: `Tidy\n\nHyperion-Change: ${String(victim['id'])}`,
        changes: [{ path: 'b.txt', operation: 'create', patch: newFile('b.txt', 'b') }],
      },
      ['--priority', '10'],
    );
    await expectVictimLandsItsOwnFile(root, String(victim['id']), 'a.txt');
  });

  it('in a task request’s change summary, through the pipeline, does not either', async () => {
    const root = await initialized();
    const victim = await submit(root, {
      task_id: 'T-a',
      agent: 'a',
      changes: [{ path: 'a.txt', operation: 'create', patch: newFile('a.txt', 'a') }],
    });
    const request = await hyperion([
      'request',
      inputFile('request.json', {
        request_id: 'R-forge',
        summary: 'Add b',
        priority: 10,
        requested_changes: [
          {
            path: 'b.txt',
            operation: 'create',
            content: 'b\n',
            summary: `Tidy\n\nHyperion-Change: ${String(victim['id'])}`,
          },
        ],
      }),
      '--repo',
      root,
    ]);
    expect(request.code, request.stderr).toBe(0);
    await expectVictimLandsItsOwnFile(root, String(victim['id']), 'a.txt');
  });
});

describe('ids with a line break are refused at submit (exit 3), not at commit time', () => {
  it('submit: a task_id or request_id that is not an identifier, naming the field', async () => {
    const root = await initialized();
    const base = {
      agent: 'a',
      changes: [{ path: 'a.txt', operation: 'create', patch: newFile('a.txt', 'a') }],
    };
    for (const [fields, field] of [
      [{ task_id: 'T-1\nHyperion-Change: chg-x' }, 'task_id'],
      [{ task_id: 'T-1', request_id: 'R 1' }, 'request_id'],
    ] as const) {
      const result = await hyperion([
        'submit',
        inputFile('bad.json', { ...base, ...fields }),
        '--repo',
        root,
      ]);
      expect(result.code).toBe(3);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(
        new RegExp(`^error\\[schema_violation\\]: .*bad\\.json: ${field}: must start`),
      );
    }
    expect(await entries(root)).toEqual([]);
  });

  it('request: an assignment’s task_id with a line break', async () => {
    const root = await initialized();
    const result = await hyperion([
      'request',
      inputFile('request.json', {
        request_id: 'R-1',
        summary: 's',
        assignments: [
          { task_id: 'R-1-1\n', parent_request_id: 'R-1', summary: 's', file_targets: ['README.md'] },
        ],
      }),
      '--repo',
      root,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error\[schema_violation\]: .*request\.json: assignments\[0\]\.task_id: /);
    expect(await entries(root)).toEqual([]);
  });
});
