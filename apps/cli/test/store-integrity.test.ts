import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion, type CliRun } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

// Promise 12: the store is the queue. A missing, empty or corrupt store while `.hyperion/` exists
// is an error naming the file and the way out — never an empty queue.

// The CLI does not depend on better-sqlite3; the tests borrow the store package's copy to write
// SQLite files that are not Hyperion's.
const Database = createRequire(new URL('../../../packages/store/package.json', import.meta.url))(
  'better-sqlite3',
) as new (file: string) => { exec(sql: string): void; close(): void };

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

async function initializedRepository(): Promise<{ root: string; store: string }> {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
  const init = await hyperion(['init', '--repo', temporary.root]);
  expect(init.code, init.stderr).toBe(0);
  return { root: temporary.root, store: join(temporary.root, '.hyperion', 'hyperion.db') };
}

function removeStore(store: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${store}${suffix}`, { force: true });
}

function expectOneLine(run: CliRun, code: number, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
}

const COMMANDS_THAT_READ = (root: string): string[][] => [
  ['queue', 'list', '--repo', root],
  ['queue', 'list', '--repo', root, '--json'],
  ['log', 'verify', '--repo', root],
  ['log', 'export', '--repo', root],
  ['requests', '--repo', root],
  ['worker', '--drain', '--repo', root],
  ['pause', '--repo', root],
];

describe('the store is the queue (promise 12)', () => {
  it('a deleted store is an error naming the file and the way out for every command, and nothing recreates it', async () => {
    const { root, store } = await initializedRepository();
    expect(existsSync(store)).toBe(true);
    removeStore(store);
    for (const command of COMMANDS_THAT_READ(root)) {
      const run = await hyperion(command);
      if (command.includes('--json')) {
        expect(run.code).toBe(4);
        expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 'store_missing' } });
        continue;
      }
      expectOneLine(
        run,
        4,
        new RegExp(
          `^error\\[store_missing\\]: store ${store} does not exist: restore it from a backup, or from a shipped log with 'hyperion log restore --from <dir> --db ${store}' or 'hyperion log import <file> --into ${root}'; or start an empty queue on purpose with 'hyperion init --new-store --repo ${root}'\\n$`,
        ),
      );
    }
    expect(existsSync(store)).toBe(false);
  });

  it('an empty store (0 bytes, or SQLite without Hyperion tables) is refused, and left as it was', async () => {
    const { root, store } = await initializedRepository();
    removeStore(store);
    writeFileSync(store, '');
    expectOneLine(
      await hyperion(['queue', 'list', '--repo', root]),
      4,
      /^error\[store_missing\]: store .*hyperion\.db is empty \(0 bytes\): restore it/,
    );
    expectOneLine(await hyperion(['log', 'verify', '--repo', root]), 4, /is empty \(0 bytes\)/);
    expect(statSync(store).size).toBe(0);
    removeStore(store);
    const blank = new Database(store);
    blank.exec('CREATE TABLE t (x); DROP TABLE t;');
    blank.close();
    expectOneLine(
      await hyperion(['queue', 'list', '--repo', root]),
      4,
      /^error\[store_missing\]: store .*hyperion\.db is empty: it holds no Hyperion tables: restore it/,
    );
  });

  it('"file is not a database" names the file and exits 4 (store_corrupt), not 1', async () => {
    const { root, store } = await initializedRepository();
    removeStore(store);
    writeFileSync(store, 'not a database\n'.repeat(500));
    const commands = [
      ['queue', 'list', '--repo', root],
      ['log', 'verify', '--repo', root],
      ['worker', '--drain', '--repo', root],
    ];
    for (const command of commands) {
      expectOneLine(
        await hyperion(command),
        4,
        new RegExp(
          `^error\\[store_corrupt\\]: store ${store} is not a SQLite database \\(file is not a database\\): move it aside and restore it`,
        ),
      );
    }
    const foreign = new Database(join(root, 'other.db'));
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    removeStore(store);
    writeFileSync(store, readFileSync(join(root, 'other.db')));
    expectOneLine(
      await hyperion(['queue', 'list', '--repo', root]),
      4,
      /^error\[store_corrupt\]: store .*hyperion\.db is a SQLite database but not a Hyperion store \(no schema_migrations table; it holds notes\)/,
    );
  });

  it('init creates the store; it refuses to paper over a lost one unless --new-store, which keeps the old file', async () => {
    const { root, store } = await initializedRepository();
    const json = JSON.parse((await hyperion(['init', '--repo', root, '--json'])).stdout) as {
      store: { action: string };
    };
    expect(json.store.action).toBe('kept');

    removeStore(store);
    expectOneLine(
      await hyperion(['init', '--repo', root]),
      4,
      /^error\[store_missing\]: store .*hyperion\.db does not exist, but .*config\.json does: restore it .*; or pass --new-store to start an empty queue on purpose\n$/,
    );
    expect(existsSync(store)).toBe(false);
    const recreated = await hyperion(['init', '--repo', root, '--new-store']);
    expect(recreated.code, recreated.stderr).toBe(0);
    expect(recreated.stdout).toContain(`created the store ${store}`);
    expect((await hyperion(['queue', 'list', '--repo', root])).stdout).toBe('The queue is empty.\n');

    removeStore(store);
    writeFileSync(store, 'damaged\n');
    expectOneLine(
      await hyperion(['init', '--repo', root]),
      4,
      /^error\[store_corrupt\]: store .*is not a SQLite database .*or pass --new-store .*\(the old file is kept aside\)\n$/,
    );
    const replaced = await hyperion(['init', '--repo', root, '--new-store', '--json']);
    expect(replaced.code, replaced.stderr).toBe(0);
    const outcome = JSON.parse(replaced.stdout) as { store: { action: string; kept_aside: string } };
    expect(outcome.store.action).toBe('replaced');
    expect(readFileSync(outcome.store.kept_aside, 'utf8')).toBe('damaged\n');
    expect((await hyperion(['queue', 'list', '--repo', root])).code).toBe(0);

    expectOneLine(
      await hyperion(['init', '--repo', root, '--new-store']),
      2,
      /^error\[usage\]: --new-store: .*hyperion\.db is a valid Hyperion store; init never replaces one/,
    );
  });

  it('log import restores a lost store from a shipped log', async () => {
    const { root, store } = await initializedRepository();
    const change = join(temporaryDirectory('hyperion-change'), 'change.json');
    writeFileSync(
      change,
      JSON.stringify({
        task_id: 'T-1',
        agent: 'elsewhere',
        changes: [
          {
            path: 'a.txt',
            operation: 'update',
            patch: 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n',
          },
        ],
      }),
    );
    expect((await hyperion(['submit', change, '--repo', root])).code).toBe(0);
    const shipped = join(temporaryDirectory('hyperion-log'), 'queue.jsonl');
    expect((await hyperion(['log', 'export', '--repo', root, '--out', shipped])).code).toBe(0);
    removeStore(store);
    expect((await hyperion(['queue', 'list', '--repo', root])).code).toBe(4);
    const imported = await hyperion(['log', 'import', shipped, '--into', root]);
    expect(imported.code, imported.stderr).toBe(0);
    const listed = JSON.parse((await hyperion(['queue', 'list', '--repo', root, '--json'])).stdout) as Array<{
      task_id: string;
    }>;
    expect(listed.map((entry) => entry.task_id)).toEqual(['T-1']);
    expect(readdirSync(join(root, '.hyperion')).filter((name) => name.includes('unusable'))).toEqual([]);
  });
});
