import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { SqliteStore } from './sqlite-store.js';

let directory: string;
let path: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-store-open-'));
  path = join(directory, '.hyperion', 'hyperion.db');
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function refusal(open: () => unknown): HyperionError {
  try {
    open();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the store to be refused');
}

function writeForeignDatabase(file: string, sql: string): void {
  const database = new Database(file);
  database.exec(sql);
  database.close();
}

describe('SqliteStore.open: the store is the queue', () => {
  it('refuses a missing store by default, naming the file, and creates nothing', () => {
    const error = refusal(() => SqliteStore.open(path));
    expect(error.code).toBe('store_missing');
    expect(error.message).toBe(`store ${path} does not exist`);
    expect(error.details).toMatchObject({ path, problem: 'missing' });
    expect(existsSync(join(directory, '.hyperion'))).toBe(false);
  });

  it('refuses an empty (0 bytes) store and leaves it empty', async () => {
    await SqliteStore.open(path, { create: true }).close();
    writeFileSync(path, '');
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    const error = refusal(() => SqliteStore.open(path));
    expect(error.code).toBe('store_missing');
    expect(error.message).toBe(`store ${path} is empty (0 bytes)`);
    expect(statSync(path).size).toBe(0);
  });

  it('refuses a SQLite file without any table, without changing it', async () => {
    await SqliteStore.open(path, { create: true }).close();
    rmSync(path);
    writeForeignDatabase(path, 'CREATE TABLE t (x); DROP TABLE t;');
    const before = readFileSync(path);
    const error = refusal(() => SqliteStore.open(path));
    expect(error.code).toBe('store_missing');
    expect(error.message).toBe(`store ${path} is empty: it holds no Hyperion tables`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a file that is not a database (store_corrupt, not a raw SQLite error), even with create', async () => {
    await SqliteStore.open(path, { create: true }).close();
    writeFileSync(path, 'this is not a database, just text that replaced it\n'.repeat(200));
    for (const create of [false, true]) {
      const error = refusal(() => SqliteStore.open(path, { create }));
      expect(error.code).toBe('store_corrupt');
      expect(error.message).toBe(`store ${path} is not a SQLite database (file is not a database)`);
    }
  });

  it("refuses another program's SQLite file, a newer Hyperion's store and a store that lost a table", async () => {
    await SqliteStore.open(path, { create: true }).close();
    const foreign = join(directory, 'foreign.db');
    writeForeignDatabase(foreign, 'CREATE TABLE notes (body TEXT);');
    const notOurs = refusal(() => SqliteStore.open(foreign, { create: true }));
    expect(notOurs.code).toBe('store_corrupt');
    expect(notOurs.message).toMatch(/foreign\.db is a SQLite database but not a Hyperion store .*notes/);

    writeForeignDatabase(
      path,
      "INSERT INTO schema_migrations (version, description, applied_at) VALUES (999, 'future', 'x');",
    );
    const newer = refusal(() => SqliteStore.open(path));
    expect(newer.code).toBe('store_corrupt');
    expect(newer.message).toMatch(
      /was written by a newer Hyperion \(migration 999; this one knows up to \d+\)/,
    );

    writeForeignDatabase(
      path,
      'DELETE FROM schema_migrations WHERE version = 999; DROP TABLE change_queue_logs;',
    );
    const lost = refusal(() => SqliteStore.open(path));
    expect(lost.code).toBe('store_corrupt');
    expect(lost.message).toBe(`store ${path} lacks Hyperion's table(s) change_queue_logs`);
  });

  it('creates a store only when asked, then opens it by default', async () => {
    const created = SqliteStore.open(path, { create: true });
    await created.close();
    const reopened = SqliteStore.open(path);
    expect(await reopened.listEntries()).toEqual([]);
    await reopened.close();
    writeFileSync(path, '');
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    await SqliteStore.open(path, { create: true }).close();
    const recreated = SqliteStore.open(path);
    expect(recreated.pragma('journal_mode')).toBe('wal');
    await recreated.close();
  });
});

describe('SqliteStore.open: an up-to-date store', () => {
  it('opens while another connection holds the write lock, and reads its entries', async () => {
    await SqliteStore.open(path, { create: true }).close();
    const writer = new Database(path);
    writer.exec('BEGIN IMMEDIATE');
    try {
      // Every migration is recorded: opening reads them and asks for no write lock of its own,
      // so it neither waits for the writer nor fails on its lock.
      const started = Date.now();
      const store = SqliteStore.open(path, { busyTimeoutMs: 50 });
      try {
        expect(await store.listEntries({})).toEqual([]);
      } finally {
        await store.close();
      }
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });
});
