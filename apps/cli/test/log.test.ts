import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

// Tampering goes around the store on purpose, with the SQLite driver the store itself uses.
interface RawDatabase {
  prepare(sql: string): { get(...parameters: unknown[]): unknown; run(...parameters: unknown[]): unknown };
  close(): void;
}
const Database = createRequire(new URL('../../../packages/store/package.json', import.meta.url))(
  'better-sqlite3',
) as new (file: string) => RawDatabase;

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

const patch = (path: string, before: string, after: string): string =>
  `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${before}\n+${after}\n`;

/** A repository whose queue holds a landed entry, a conflicted one and a queued one. */
async function repositoryWithHistory(): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
  const root = temporary.root;
  expect((await hyperion(['init', '--repo', root])).code).toBe(0);
  const inputs = temporaryDirectory('hyperion-log');
  const submit = async (name: string, change: unknown): Promise<void> => {
    const file = join(inputs, `${name}.json`);
    writeFileSync(file, JSON.stringify(change));
    const result = await hyperion(['submit', file, '--repo', root]);
    expect(result.code, result.stderr).toBe(0);
  };
  await submit('one', {
    task_id: 'T-1',
    agent: 'test',
    changes: [{ path: 'a.txt', operation: 'update', patch: patch('a.txt', 'a', 'A') }],
  });
  expect((await hyperion(['worker', '--drain', '--repo', root, '--json'])).code).toBe(0);
  await submit('two', {
    task_id: 'T-2',
    agent: 'test',
    changes: [{ path: 'b.txt', operation: 'update', patch: patch('b.txt', 'b', 'B') }],
  });
  return root;
}

function databaseOf(root: string): string {
  return join(root, '.hyperion', 'hyperion.db');
}

describe('hyperion log', () => {
  it('verify finds the live queue equal to its replayed event log', async () => {
    const root = await repositoryWithHistory();
    const verified = await hyperion(['log', 'verify', '--repo', root]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/matches its event log/);
  });

  it('verify catches a live row changed behind the log (exit 7), naming the entry and field', async () => {
    const root = await repositoryWithHistory();
    const database = new Database(databaseOf(root));
    const landed = database.prepare("SELECT id FROM queue_entries WHERE state = 'landed'").get() as {
      id: string;
    };
    database
      .prepare("UPDATE queue_entries SET state = 'quarantined', attempts = 9 WHERE id = ?")
      .run(landed.id);
    database.close();
    const verified = await hyperion(['log', 'verify', '--repo', root, '--json']);
    expect(verified.code).toBe(7);
    const { differences } = JSON.parse(verified.stdout) as { differences: Array<Record<string, unknown>> };
    expect(differences).toEqual([
      { entry_id: landed.id, field: 'state', live: 'quarantined', replayed: 'landed' },
      { entry_id: landed.id, field: 'attempts', live: 9, replayed: 1 },
    ]);
    expect(verified.stderr).toMatch(/"code":"invalid_state".*differs from its event log in 2 field/);
  });

  it('verify keeps its exit status 7 when the reader of its output went away (a closed pipe is not success)', async () => {
    const root = await repositoryWithHistory();
    const database = new Database(databaseOf(root));
    database.prepare("UPDATE queue_entries SET attempts = 9 WHERE state = 'landed'").run();
    database.close();
    const verified = await hyperion(['log', 'verify', '--repo', root], { closeStdout: true });
    expect(verified.code).toBe(7);
  });

  it('verify catches a live entry that has no events', async () => {
    const root = await repositoryWithHistory();
    const database = new Database(databaseOf(root));
    const queued = database.prepare("SELECT id FROM queue_entries WHERE state = 'queued'").get() as {
      id: string;
    };
    database.prepare('DELETE FROM change_queue_logs WHERE entry_id = ?').run(queued.id);
    database.close();
    const verified = await hyperion(['log', 'verify', '--repo', root]);
    expect(verified.code).toBe(7);
    expect(verified.stdout).toContain(`${queued.id} entry: live "queued", replayed null`);
  });

  it('export ships the log and import restores it elsewhere, where verify agrees and a re-export is identical', async () => {
    const root = await repositoryWithHistory();
    const file = join(temporaryDirectory('hyperion-log'), 'queue.jsonl');
    const exported = await hyperion(['log', 'export', '--repo', root, '--out', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ format: 'hyperion-event-log', version: 1, entries: 2 });
    const elsewhere = await createTemporaryRepository({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
    try {
      const imported = await hyperion(['log', 'import', file, '--into', elsewhere.root, '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ entries: 2, events: lines.length - 3 });
      expect((await hyperion(['log', 'verify', '--repo', elsewhere.root])).code).toBe(0);
      const again = await hyperion(['log', 'export', '--repo', elsewhere.root]);
      expect(again.stdout).toBe(readFileSync(file, 'utf8'));
      const twice = await hyperion(['log', 'import', file, '--into', elsewhere.root]);
      expect(twice.code).toBe(7);
      expect(twice.stderr).toMatch(/already holds a queue/);
    } finally {
      await elsewhere.cleanup();
    }
  });

  it('import refuses a file that is not an exported log, naming the line, and writes nothing', async () => {
    const file = join(temporaryDirectory('hyperion-log'), 'bad.jsonl');
    writeFileSync(file, '{"format":"hyperion-event-log","version":1}\n{"kind":"event","event":{"id":"x"}}\n');
    const target = temporaryDirectory('hyperion-log-target');
    const imported = await hyperion(['log', 'import', file, '--into', target]);
    expect(imported.code).toBe(3);
    expect(imported.stderr).toMatch(/bad\.jsonl:2 event/);
  });
});
