import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion, type CliOptions, type CliRun } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

// Errors that are the user's, not Hyperion's: each is one line with its documented code (usage 2,
// input 3, repository 4), and nothing is written before it.

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

async function initializedRepository(): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
  const init = await hyperion(['init', '--repo', temporary.root]);
  expect(init.code, init.stderr).toBe(0);
  return temporary.root;
}

function expectOneLine(run: CliRun, code: number, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr.trimEnd()).toMatch(pattern);
}

function writeFile(name: string, text: string): string {
  const file = join(temporaryDirectory('hyperion-input'), name);
  writeFileSync(file, text);
  return file;
}

const PATCH = 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n';

function changeFile(fields: Record<string, unknown> = {}): string {
  return writeFile(
    'change.json',
    JSON.stringify({
      task_id: 'T-1',
      agent: 'elsewhere',
      changes: [{ path: 'a.txt', operation: 'update', patch: PATCH }],
      ...fields,
    }),
  );
}

/** What the store holds: queue entries and requests (both must stay empty after a refusal). */
async function storeContents(root: string): Promise<{ entries: unknown[]; requests: unknown[] }> {
  const entries = await hyperion(['queue', 'list', '--repo', root, '--json']);
  const requests = await hyperion(['requests', '--repo', root, '--json']);
  expect(entries.code, entries.stderr).toBe(0);
  expect(requests.code, requests.stderr).toBe(0);
  return {
    entries: JSON.parse(entries.stdout) as unknown[],
    requests: JSON.parse(requests.stdout) as unknown[],
  };
}

describe('bad option values are usage errors, found before anything is written', () => {
  it('request --workers abc --wait enqueues nothing (running it again is not a duplicate)', async () => {
    const root = await initializedRepository();
    const request = writeFile(
      'request.json',
      JSON.stringify({
        request_id: 'R-1',
        summary: 'Upper-case a',
        requested_changes: [{ path: 'a.txt', content: 'A\n' }],
      }),
    );
    for (const workers of ['abc', '0', '33', '2.5', '']) {
      expectOneLine(
        await hyperion(['request', request, '--repo', root, '--workers', workers, '--wait']),
        2,
        new RegExp(
          `^error\\[usage\\]: option '--workers <count>' argument '${workers.replace('.', '\\.')}' is invalid\\. expected a whole number from 1 to 32`,
        ),
      );
    }
    expectOneLine(
      await hyperion(['request', request, '--repo', root, '--agent', 'copilto']),
      2,
      /^error\[usage\]: option '--agent <name>' argument 'copilto' is invalid\. expected one of .*stub/,
    );
    expect(await storeContents(root)).toEqual({ entries: [], requests: [] });
    const real = await hyperion(['request', request, '--repo', root, '--workers', '1', '--wait', '--json']);
    expect(real.code, real.stderr).toBe(0);
  });

  it('worker --workers abc|0, submit --priority abc|5000, bump --priority, requests --limit, queue list --state', async () => {
    const root = await initializedRepository();
    for (const workers of ['abc', '0']) {
      expectOneLine(
        await hyperion(['worker', '--drain', '--workers', workers, '--repo', root]),
        2,
        /^error\[usage\]: option '--workers <count>' argument '.*' is invalid\. expected a whole number from 1 to 32/,
      );
    }
    expectOneLine(
      await hyperion(['worker', '--once', '--drain', '--repo', root]),
      2,
      /^error\[usage\]: --once and --drain cannot be combined$/,
    );
    for (const priority of ['abc', '5000', '-1001', '1e3']) {
      expectOneLine(
        await hyperion(['submit', changeFile(), '--repo', root, '--priority', priority]),
        2,
        /^error\[usage\]: option '--priority <n>' argument '.*' is invalid\. expected a whole number from -1000 to 1000/,
      );
    }
    expect((await storeContents(root)).entries).toEqual([]);
    expectOneLine(
      await hyperion(['bump', 'chg-x', '--priority', '1001', '--repo', root]),
      2,
      /^error\[usage\]: option '--priority <n>' argument '1001' is invalid/,
    );
    expectOneLine(
      await hyperion(['requests', '--limit', 'lots', '--repo', root]),
      2,
      /^error\[usage\]: option '--limit <n>' argument 'lots' is invalid\. expected a whole number from 1/,
    );
    expectOneLine(
      await hyperion(['queue', 'list', '--state', 'queued', 'lannded', '--repo', root]),
      2,
      /^error\[usage\]: option '--state <state\.\.\.>' argument 'lannded' is invalid\. expected one of .*landed/,
    );
    expectOneLine(
      await hyperion(['run', '--no-tui', '--workers', '-1', '--repo', root]),
      2,
      /^error\[usage\]: option '--workers <count>' argument '-1' is invalid/,
    );
    const submitted = await hyperion([
      'submit',
      changeFile(),
      '--repo',
      root,
      '--priority',
      '1000',
      '--json',
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(JSON.parse(submitted.stdout)).toMatchObject({ priority: 1000 });
  });

  it('an option value with terminal escapes is shown escaped, on one line', async () => {
    const elsewhere = temporaryDirectory('hyperion-not-a-repository');
    const run = await hyperion(
      ['worker', '--workers', '\u001b[2K\u001b[1Gok\nsecond line', '--repo', elsewhere],
      {
        cwd: elsewhere,
      },
    );
    expectOneLine(run, 2, /argument '\\x1b\[2K\\x1b\[1Gok second line' is invalid/);
    expect(run.stderr).not.toContain('\u001b');
  });
});

describe('init writes nothing when it refuses', () => {
  it('init --target-branch nope exits 4 naming the branch; --workers abc and a bad --check exit 2', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const root = temporary.root;
    expectOneLine(
      await hyperion(['init', '--repo', root, '--target-branch', 'nope']),
      4,
      /^error\[branch_not_found\]: target branch 'nope' does not exist in .*: create it first, or pass --target-branch <an existing branch>; nothing was written$/,
    );
    expectOneLine(
      await hyperion(['init', '--repo', root, '--workers', 'abc']),
      2,
      /^error\[usage\]: option '--workers <count>' argument 'abc' is invalid/,
    );
    expectOneLine(
      await hyperion(['init', '--repo', root, '--check', 'no-equals-sign']),
      2,
      /^error\[usage\]: option '--check <name=command\.\.\.>' argument 'no-equals-sign' is invalid\. expected NAME=COMMAND/,
    );
    expect(existsSync(join(root, '.hyperion'))).toBe(false);
    const exclude = join(root, '.git', 'info', 'exclude');
    expect(existsSync(exclude) ? execFileSync('cat', [exclude]).toString() : '').not.toContain('.hyperion');
    const good = await hyperion(['init', '--repo', root, '--target-branch', 'main', '--workers', '2']);
    expect(good.code, good.stderr).toBe(0);
  });
});

describe('input errors name what is wrong', () => {
  it('a mid-file JSON syntax error names its line and column', async () => {
    const root = await initializedRepository();
    const text = '{\n  "task_id": "T-1",\n  "agent": "elsewhere",\n  "changes": tru\n}\n';
    expectOneLine(
      await hyperion(['submit', writeFile('change.json', text), '--repo', root]),
      3,
      /^error\[invalid_json\]: .*change\.json: invalid JSON at line 4, column 17: unexpected character '\\n'$/,
    );
    const request = '{\n  "summary": "s",\n  "requested_changes": [\n    { "path": "a.txt" },,\n  ]\n}\n';
    expectOneLine(
      await hyperion(['request', writeFile('request.json', request), '--repo', root]),
      3,
      /^error\[invalid_json\]: .*request\.json: invalid JSON at line 4, column 25: unexpected character ','$/,
    );
    expect(await storeContents(root)).toEqual({ entries: [], requests: [] });
  });

  it('a duplicate change_id with other content names the existing entry and its task', async () => {
    const root = await initializedRepository();
    const first = await hyperion([
      'submit',
      changeFile({ change_id: 'chg-one', task_id: 'T-first' }),
      '--repo',
      root,
    ]);
    expect(first.code, first.stderr).toBe(0);
    const other = changeFile({
      change_id: 'chg-one',
      task_id: 'T-second',
      changes: [
        {
          path: 'b.txt',
          operation: 'create',
          patch:
            'diff --git a/b.txt b/b.txt\nnew file mode 100644\n--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1 @@\n+b\n',
        },
      ],
    });
    expectOneLine(
      await hyperion(['submit', other, '--repo', root]),
      3,
      /^error\[duplicate\]: duplicate submission: change 'chg-one' of task 'T-first' already exists with other content$/,
    );
    const entries = (await storeContents(root)).entries as Array<{ id: string; task_id: string }>;
    expect(entries.map((entry) => [entry.id, entry.task_id])).toEqual([['chg-one', 'T-first']]);
  });
});

describe('repository problems are exit 4', () => {
  it('a read-only .hyperion/ is a repository error naming the path, and nothing is written', async () => {
    const root = await initializedRepository();
    const change = join(root, 'change.json');
    writeFileSync(
      change,
      JSON.stringify({
        task_id: 'T-1',
        agent: 'x',
        changes: [{ path: 'a.txt', operation: 'update', patch: PATCH }],
      }),
    );
    // Root ignores file modes: run the command as an unprivileged owner of the repository instead.
    const asUser: CliOptions =
      process.getuid?.() === 0 ? { uid: 65534, gid: 65534, env: { HOME: root } } : {};
    if (asUser.uid !== undefined) execFileSync('chown', ['-R', '65534:65534', root]);
    execFileSync('chmod', ['-R', 'a-w', join(root, '.hyperion')]);
    try {
      for (const command of [
        ['submit', change, '--repo', root],
        ['queue', 'list', '--repo', root],
      ]) {
        expectOneLine(
          await hyperion(command, asUser),
          4,
          new RegExp(`^error\\[permission_denied\\]: .*${join(root, '.hyperion').replace(/[.]/g, '\\.')}.*`),
        );
      }
      // Only the store file read-only: reading works, the first write names the file.
      execFileSync('chmod', ['-R', 'u+w', join(root, '.hyperion')]);
      execFileSync('chmod', ['a-w', join(root, '.hyperion', 'hyperion.db')]);
      expect((await hyperion(['queue', 'list', '--repo', root], asUser)).code).toBe(0);
      expectOneLine(
        await hyperion(['submit', change, '--repo', root], asUser),
        4,
        new RegExp(
          `^error\\[permission_denied\\]: cannot open the store ${join(root, '.hyperion', 'hyperion.db').replace(/[.]/g, '\\.')} for writing \\(attempt to write a readonly database\\)`,
        ),
      );
    } finally {
      execFileSync('chmod', ['-R', 'u+w', join(root, '.hyperion')]);
      if (asUser.uid !== undefined) execFileSync('chown', ['-R', `${process.getuid?.() ?? 0}:0`, root]);
    }
    expect(await storeContents(root)).toEqual({ entries: [], requests: [] });
  });
});

describe('a closed standard output ends quietly', () => {
  it('log export, queue list, schema and an error all exit as if the reader had read everything', async () => {
    const root = await initializedRepository();
    expect((await hyperion(['submit', changeFile(), '--repo', root])).code).toBe(0);
    for (const command of [
      ['log', 'export', '--repo', root],
      ['queue', 'list', '--repo', root, '--json'],
      ['schema', 'config'],
    ]) {
      const run = await hyperion(command, { closeStdout: true });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    const failing = await hyperion(['queue', 'show', 'chg-nope', '--repo', root], { closeStdout: true });
    expect(failing.code).toBe(7);
    expect(failing.stderr).toBe("error[not_found]: no queue entry with id 'chg-nope'\n");
  });
});
