import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { hyperionLoading } from './loaded-packages.js';
import { BIN, hyperion, type CliRun } from './run-cli.js';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

// The server trusts loopback logins, so any password works: every URL carries one, and no output
// of any command may show it.
const PASSWORD = 'pg-secret-4f9c2e71';

let server: PostgresTestServer;
const repositories: TemporaryRepository[] = [];

beforeAll(async () => {
  server = await startPostgresServer();
});

afterAll(async () => {
  await server?.stop();
});

afterEach(async () => {
  for (const repository of repositories.splice(0)) await repository.cleanup();
});

/** A fresh, empty database's URL, with a password in it. */
async function freshDatabase(): Promise<string> {
  return (await server.createDatabase('cli')).replace('://postgres@', `://postgres:${PASSWORD}@`);
}

async function repository(files: Record<string, string> = { 'a.txt': 'a\n', 'b.txt': 'b\n' }) {
  const created = await createTemporaryRepository({ files });
  repositories.push(created);
  return created.root;
}

/** Runs the CLI and checks that nothing it printed holds the password. */
async function run(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const result = await hyperion(args, { env });
  expect(result.stdout, `${args.join(' ')} printed the password`).not.toContain(PASSWORD);
  expect(result.stderr, `${args.join(' ')} printed the password`).not.toContain(PASSWORD);
  return result;
}

const patch = (path: string, before: string, after: string): string =>
  `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${before}\n+${after}\n`;

function changeFile(task: string, path: string, before: string, after: string): string {
  const file = join(temporaryDirectory('hyperion-pg-change'), `${task}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      task_id: task,
      agent: 'pg-test',
      changes: [{ path, operation: 'update', patch: patch(path, before, after) }],
    }),
  );
  return file;
}

/** The location PostgresStore shows: the URL without its password. */
const locationOf = (url: string): string => url.replace(`:${PASSWORD}@`, '@');

describe('the CLI on PostgreSQL (HYPERION_DATABASE_URL)', () => {
  it('inits, submits, drains, lists, verifies, exports and imports into a second database', async () => {
    const url = await freshDatabase();
    const env = { HYPERION_DATABASE_URL: url };
    const root = await repository();

    const init = await run(['init', '--repo', root, '--json'], env);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({
      store: { kind: 'postgres', file: null, location: locationOf(url), action: 'created' },
    });
    const again = await run(['init', '--repo', root], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`store ${locationOf(url)} kept as it is`);

    for (const [task, path, after] of [
      ['T-1', 'a.txt', 'A'],
      ['T-2', 'b.txt', 'B'],
    ] as const) {
      const submitted = await run(['submit', changeFile(task, path, path[0]!, after), '--repo', root], env);
      expect(submitted.code, submitted.stderr).toBe(0);
    }
    const worker = await run(['worker', '--drain', '--repo', root, '--json'], env);
    expect(worker.stderr).toBe('');
    expect(worker.code).toBe(0);
    expect(JSON.parse(worker.stdout)).toMatchObject({ summary: { landed: 2 } });
    expect((await runGit(['show', 'main:a.txt'], { cwd: root })).stdout).toBe('A\n');
    expect((await runGit(['show', 'main:b.txt'], { cwd: root })).stdout).toBe('B\n');

    const listed = await run(['queue', 'list', '--repo', root, '--json'], env);
    expect(listed.code).toBe(0);
    const entries = JSON.parse(listed.stdout) as Array<{ task_id: string; state: string }>;
    expect(entries.map((entry) => [entry.task_id, entry.state])).toEqual([
      ['T-1', 'landed'],
      ['T-2', 'landed'],
    ]);
    // Nothing was written to a SQLite file.
    expect(() => readFileSync(join(root, '.hyperion', 'hyperion.db'))).toThrow();

    const verified = await run(['log', 'verify', '--repo', root], env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('the live queue matches its event log');

    const logFile = join(temporaryDirectory('hyperion-pg-log'), 'queue.jsonl');
    const exported = await run(['log', 'export', '--repo', root, '--out', logFile], env);
    expect(exported.code, exported.stderr).toBe(0);

    // Import into a second, empty database, then open it from another clone.
    const second = await freshDatabase();
    const secondEnv = { HYPERION_DATABASE_URL: second };
    const target = temporaryDirectory('hyperion-pg-import');
    const imported = await run(['log', 'import', logFile, '--into', target, '--json'], secondEnv);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ store: locationOf(second) });
    const again2 = await run(['log', 'import', logFile, '--into', target], secondEnv);
    expect(again2.code).toBe(7);
    expect(again2.stderr).toMatch(/^error\[invalid_state\]: .* already holds a queue/);

    const other = await repository();
    const otherInit = await run(['init', '--repo', other, '--json'], secondEnv);
    expect(otherInit.code, otherInit.stderr).toBe(0);
    expect(JSON.parse(otherInit.stdout)).toMatchObject({ store: { action: 'kept' } });
    const copied = await run(['queue', 'list', '--repo', other, '--json'], secondEnv);
    // A replayed entry's updated_at is its last event's time (as on SQLite); the rest is the same.
    const withoutUpdatedAt = (list: unknown[]) =>
      list.map((entry) => ({ ...(entry as Record<string, unknown>), updated_at: undefined }));
    expect(withoutUpdatedAt(JSON.parse(copied.stdout) as unknown[])).toEqual(withoutUpdatedAt(entries));
    const copiedVerify = await run(['log', 'verify', '--repo', other], secondEnv);
    expect(copiedVerify.code, copiedVerify.stderr).toBe(0);
  });

  it('runs a request through engineer, developers and the queue on PostgreSQL', async () => {
    const env = { HYPERION_DATABASE_URL: await freshDatabase() };
    const root = await repository({ 'README.md': '# Calc\n' });
    expect((await run(['init', '--repo', root], env)).code).toBe(0);
    const file = join(temporaryDirectory('hyperion-pg-request'), 'request.json');
    writeFileSync(
      file,
      JSON.stringify({
        request_id: 'REQ-PG',
        summary: 'Add multiply',
        requested_changes: [
          {
            path: 'src/multiply.js',
            operation: 'create',
            content: 'export const multiply = (a, b) => a * b;\n',
          },
        ],
      }),
    );
    const request = await run(['request', file, '--repo', root, '--wait'], env);
    expect(request.code, request.stderr).toBe(0);
    expect((await runGit(['show', 'main:src/multiply.js'], { cwd: root })).stdout).toContain('multiply');
    const requests = await run(['requests', '--repo', root, '--json'], env);
    expect(JSON.parse(requests.stdout)).toMatchObject([{ id: 'REQ-PG' }]);
  });

  it('takes the URL from store.url in the config; the environment wins; a bad URL names its field', async () => {
    const url = await freshDatabase();
    const root = await repository();
    expect((await run(['init', '--repo', root], {})).code).toBe(0);
    const configFile = join(root, '.hyperion', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, store: { url } }));
    // The config names an empty database: init (with --new-store, the repository was initialized
    // on SQLite before) creates the tables there.
    const missing = await run(['queue', 'list', '--repo', root], {});
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(
      /^error\[store_missing\]: .*check that store\.url names the queue's database/,
    );
    const init = await run(['init', '--new-store', '--repo', root], {});
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`created the store ${locationOf(url)}`);
    expect((await run(['submit', changeFile('T-1', 'a.txt', 'a', 'A'), '--repo', root], {})).code).toBe(0);
    const listed = await run(['queue', 'list', '--repo', root, '--json'], {});
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(1);
    // HYPERION_DATABASE_URL wins over store.url.
    const elsewhere = await freshDatabase();
    const overridden = await run(['queue', 'list', '--repo', root], { HYPERION_DATABASE_URL: elsewhere });
    expect(overridden.code).toBe(4);
    expect(overridden.stderr).toContain(locationOf(elsewhere));

    writeFileSync(configFile, JSON.stringify({ ...config, store: { url: `mysql://u:${PASSWORD}@h/db` } }));
    const bad = await run(['queue', 'list', '--repo', root], {});
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /^error\[schema_violation\]: .*config\.json: store\.url: must be a postgres:\/\//,
    );
  });

  it('a database without Hyperion tables is store_missing with a way out for PostgreSQL', async () => {
    const root = await repository();
    const first = { HYPERION_DATABASE_URL: await freshDatabase() };
    expect((await run(['init', '--repo', root], first)).code).toBe(0);
    const empty = await freshDatabase();
    const env = { HYPERION_DATABASE_URL: empty };
    for (const args of [
      ['queue', 'list'],
      ['worker', '--drain'],
      ['log', 'verify'],
    ]) {
      const result = await run([...args, '--repo', root], env);
      expect(result.code, args.join(' ')).toBe(4);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(
        /^error\[store_missing\]: store postgres:\/\/postgres@127\.0\.0\.1:\d+\/\S+ is empty: it holds no Hyperion tables: check that HYPERION_DATABASE_URL names the queue's database; or restore it from a backup \(pg_dump\/pg_restore\)/,
      );
      expect(result.stderr).toContain("'hyperion init --new-store");
      expect(result.stderr).not.toContain('hyperion.db');
    }
    // init refuses an empty database in an initialized repository unless --new-store says so.
    const refused = await run(['init', '--repo', root], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('pass --new-store');
    const noDatabase = await run(['queue', 'list', '--repo', root], {
      HYPERION_DATABASE_URL: empty.replace(/\/[^/]+$/, '/no_such_database'),
    });
    expect(noDatabase.code).toBe(4);
    expect(noDatabase.stderr).toMatch(/^error\[store_missing\]: .*has no database no_such_database/);
  });

  it('an unreachable server (a closed port) is one line, exit 4, without the password', async () => {
    const root = await repository();
    expect((await run(['init', '--repo', root], {})).code).toBe(0);
    // A port that was free a moment ago: nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    const env = { HYPERION_DATABASE_URL: `postgres://hyperion:${PASSWORD}@127.0.0.1:${port}/queue` };
    for (const args of [['queue', 'list'], ['init'], ['worker', '--drain'], ['log', 'export']]) {
      const result = await run([...args, '--repo', root], env);
      expect(result.code, args.join(' ')).toBe(4);
      expect(result.stderr).toMatch(
        new RegExp(
          `^error\\[store_unreachable\\]: cannot reach the PostgreSQL store at 127\\.0\\.0\\.1:${port}: [^\\n]*\\n$`,
        ),
      );
    }
  });

  it('refuses HYPERION_DATABASE_URL and HYPERION_STORE_FILE together, and a URL that is not postgres://', async () => {
    const root = await repository();
    expect((await run(['init', '--repo', root], {})).code).toBe(0);
    const both = await run(['queue', 'list', '--repo', root], {
      HYPERION_DATABASE_URL: await freshDatabase(),
      HYPERION_STORE_FILE: join(root, 'elsewhere.db'),
    });
    expect(both.code).toBe(3);
    expect(both.stderr).toMatch(
      /^error\[invalid_input\]: HYPERION_DATABASE_URL and HYPERION_STORE_FILE are both set/,
    );
    const bothInit = await run(['init', '--repo', root], {
      HYPERION_DATABASE_URL: await freshDatabase(),
      HYPERION_STORE_FILE: join(root, 'elsewhere.db'),
    });
    expect(bothInit.code).toBe(3);
    const wrong = await run(['queue', 'list', '--repo', root], {
      HYPERION_DATABASE_URL: `https://user:${PASSWORD}@example.com/db`,
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/^error\[invalid_input\]: HYPERION_DATABASE_URL: must be a postgres:\/\//);
  });

  it('loads the PostgreSQL client only for a PostgreSQL store', async () => {
    const root = await repository();
    expect((await run(['init', '--repo', root], {})).code).toBe(0);
    const sqlite = await hyperionLoading(['queue', 'list', '--repo', root]);
    expect(sqlite.code, sqlite.stderr).toBe(0);
    expect(sqlite.packages).toContain('better-sqlite3');
    expect(sqlite.packages).not.toContain('@hyperion/store-postgres');
    expect(sqlite.packages).not.toContain('pg');
    const postgres = await hyperionLoading(['queue', 'list', '--repo', root], {
      env: { HYPERION_DATABASE_URL: await freshDatabase() },
    });
    expect(postgres.packages).toContain('@hyperion/store-postgres');
    expect(postgres.packages).toContain('pg');
  });

  it('run --no-tui works the queue on PostgreSQL and stops cleanly on SIGINT', async () => {
    const env = { HYPERION_DATABASE_URL: await freshDatabase() };
    const root = await repository({ 'a.txt': 'a\n' });
    expect((await run(['init', '--repo', root, '--check', 'ok=test -f a.txt'], env)).code).toBe(0);
    expect((await run(['submit', changeFile('T-1', 'a.txt', 'a', 'A'), '--repo', root], env)).code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'run', '--no-tui', '--repo', root], {
      env: { ...process.env, HYPERION_LOG: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const landed = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/landed chg-/.test(stdout)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await Promise.race([landed, exited]);
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(0);
    expect(stdout).toMatch(/check ok: passed/);
    expect(stdout).toMatch(/landed chg-/);
    expect(`${stdout}${stderr}`).not.toContain(PASSWORD);
    expect((await runGit(['show', 'main:a.txt'], { cwd: root })).stdout).toBe('A\n');
  });
});
