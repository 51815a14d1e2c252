import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { SqliteDatabaseStore } from './store.js';
import { SqliteStore } from './sqlite-store.js';
import { exportEventLog, importEventLog } from './event-log.js';
import { oracleHasPendingWork, oracleLease, oracleRunnable } from './leasing-oracle.test-support.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-blockers-migration-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

interface OldRow {
  id: string;
  state: string;
  paths: string[];
  depends_on?: string[];
  priority?: number;
  target_branch?: string;
  lease_owner?: string;
  lease_expires_at?: number;
}

/**
 * A store file at schema `version` (4: before `blockers`; 5: before `queue_running_paths`), with
 * rows written as schema 4 wrote them (at 5, counted by migration 5 as it ran).
 */
function oldStore(path: string, rows: readonly OldRow[], version = 4): void {
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = (candidate: { version: number }): boolean => candidate.version <= version;
  for (const migration of MIGRATIONS.filter((candidate) => candidate.version <= 4)) {
    database.exec(migration.sql);
    database
      .prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)')
      .run(migration.version, migration.description, '2024-01-01T00:00:00.000Z');
  }
  const at = '2024-01-01T00:00:00.000Z';
  for (const row of rows) {
    database
      .prepare(
        'INSERT INTO change_requests (id, task_id, request_id, agent, patch_hash, body, created_at) VALUES (?, ?, NULL, ?, ?, ?, ?)',
      )
      .run(row.id, `task-${row.id}`, 'test', row.id.padEnd(64, '0'), JSON.stringify({ id: row.id }), at);
    database
      .prepare(
        `INSERT INTO queue_entries (id, task_id, request_id, agent, summary, state, priority, attempts, max_attempts,
           target_branch, paths, patch, patch_hash, base_commit, checks, depends_on, lease_owner, lease_expires_at,
           created_at, updated_at)
         VALUES (?, ?, NULL, 'test', ?, ?, ?, ?, 3, ?, ?, ?, ?, NULL, '[]', ?, ?, ?, ?, ?)`,
      )
      .run(
        row.id,
        `task-${row.id}`,
        `change ${row.id}`,
        row.state,
        row.priority ?? 0,
        row.state === 'running' ? 1 : 0,
        row.target_branch ?? 'main',
        JSON.stringify(row.paths),
        `patch ${row.id}`,
        row.id.padEnd(64, '0'),
        JSON.stringify(row.depends_on ?? []),
        row.lease_owner ?? null,
        row.lease_expires_at ?? null,
        at,
        at,
      );
  }
  for (const migration of MIGRATIONS.filter((candidate) => candidate.version > 4 && applied(candidate))) {
    database.exec(migration.sql);
    database
      .prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)')
      .run(migration.version, migration.description, '2024-01-01T00:00:00.000Z');
  }
  database.close();
}

/** A backlog with every kind of hold: files, running entries, approvals, dependencies, branches. */
const BACKLOG: OldRow[] = [
  { id: 'landed-1', state: 'landed', paths: ['a.txt'] },
  { id: 'risky', state: 'awaiting_approval', paths: ['a.txt'] },
  { id: 'running-1', state: 'running', paths: ['a.txt', 'b.txt'], lease_owner: 'w1', lease_expires_at: 2e12 },
  { id: 'behind-running', state: 'queued', paths: ['b.txt'] },
  { id: 'stacked', state: 'queued', paths: ['z.txt'], depends_on: ['risky'] },
  { id: 'free', state: 'queued', paths: ['c.txt'], priority: 5 },
  { id: 'behind-free', state: 'queued', paths: ['c.txt', 'd.txt'], priority: 50 },
  { id: 'behind-behind', state: 'queued', paths: ['d.txt'] },
  { id: 'on-release', state: 'queued', paths: ['a.txt'], target_branch: 'release' },
  { id: 'quarantined-1', state: 'quarantined', paths: ['e.txt'] },
  { id: 'after-quarantined', state: 'queued', paths: ['e.txt'], depends_on: ['landed-1'] },
];

function runnableByBlockers(path: string, branch: string): string[] {
  const database = new Database(path, { readonly: true });
  try {
    return (
      database
        .prepare(
          "SELECT id FROM queue_entries WHERE state = 'queued' AND blockers = 0 AND target_branch = ? ORDER BY sequence",
        )
        .all(branch) as Array<{ id: string }>
    ).map((row) => row.id);
  } finally {
    database.close();
  }
}

describe('migration 5 on a store with a backlog', () => {
  it('counts the blockers of every waiting entry as the old scan saw them, then leases as it did', () => {
    const path = join(directory, 'hyperion.db');
    oldStore(path, BACKLOG);
    const now = 1_700_000_000_000;
    const store = SqliteDatabaseStore.open(path, { clock: () => now });
    try {
      const entries = store.listEntries({ order: 'submission' });
      expect(runnableByBlockers(path, 'main')).toEqual(['free', 'after-quarantined']);
      expect(runnableByBlockers(path, 'main')).toEqual(
        oracleRunnable(entries, 'main').map((entry) => entry.id),
      );
      expect(runnableByBlockers(path, 'release')).toEqual(['on-release']);
      expect(store.hasPendingWork('main')).toBe(oracleHasPendingWork(entries, 'main'));
      const leased: string[] = [];
      for (;;) {
        const expected = oracleLease(store.listEntries({ order: 'submission' }), now, 'main');
        const entry = store.leaseNext(`w${leased.length}`, 1000, 'main');
        expect(entry?.id).toBe(expected?.id);
        if (entry === undefined) break;
        leased.push(entry.id);
        store.transition(entry.id, { from: 'running', to: 'landed', type: 'entry:landed' });
        if (leased.length === 2) {
          store.transition('running-1', { from: 'running', to: 'landed', type: 'entry:landed' });
        }
      }
      expect(leased).toEqual(['free', 'behind-free', 'behind-running', 'behind-behind', 'after-quarantined']);
      // Only the approval is left: `stacked` waits for it, and `risky` waits for a person.
      expect(store.hasPendingWork('main')).toBe(false);
      store.transition('risky', { from: 'awaiting_approval', to: 'queued', type: 'entry:approved' });
      expect(store.leaseNext('w9', 1000, 'main')?.id).toBe('risky');
    } finally {
      store.close();
    }
  });

  it('counts the blockers of a queue restored from its exported log as the live store kept them', async () => {
    const path = join(directory, 'live.db');
    const store = SqliteStore.open(path, { create: true });
    const lines: string[] = [];
    try {
      for (const row of BACKLOG) {
        await store.enqueue({
          id: row.id,
          task_id: `task-${row.id}`,
          request_id: null,
          agent: 'test',
          summary: `change ${row.id}`,
          priority: row.priority ?? 0,
          max_attempts: 3,
          target_branch: row.target_branch ?? 'main',
          paths: row.paths,
          patch: `patch ${row.id}`,
          patch_hash: row.id.padEnd(64, '0'),
          base_commit: null,
          checks: [],
          depends_on: row.depends_on ?? [],
          change_request: { id: row.id },
          state: row.state === 'awaiting_approval' ? 'awaiting_approval' : 'queued',
        });
      }
      for (const id of ['landed-1', 'quarantined-1']) {
        await store.transition(id, { from: 'queued', to: 'running', type: 'entry:leased' });
        await store.transition(id, {
          from: 'running',
          to: id === 'landed-1' ? 'landed' : 'quarantined',
          type: id === 'landed-1' ? 'entry:landed' : 'entry:quarantined',
        });
      }
      await store.transition('running-1', {
        from: 'queued',
        to: 'running',
        type: 'entry:leased',
        set: { lease_owner: 'w1', lease_expires_at: 2e12 },
      });
      await exportEventLog(store, { write: (text: string) => lines.push(text) });
    } finally {
      await store.close();
    }
    const file = join(directory, 'queue.jsonl');
    writeFileSync(file, lines.join(''));
    const restoredPath = join(directory, 'restored.db');
    const target = SqliteStore.open(restoredPath, { create: true });
    try {
      await importEventLog(file, target);
    } finally {
      await target.close();
    }
    for (const branch of ['main', 'release']) {
      expect(runnableByBlockers(restoredPath, branch)).toEqual(runnableByBlockers(path, branch));
    }
    const restored = SqliteStore.open(restoredPath);
    try {
      const entries = await restored.listEntries({ order: 'submission' });
      expect(runnableByBlockers(restoredPath, 'main')).toEqual(
        oracleRunnable(entries, 'main').map((entry) => entry.id),
      );
      expect(runnableByBlockers(restoredPath, 'main')).toEqual(['free', 'after-quarantined']);
      // The entry that was running comes back with an expired lease, before the entry behind it.
      expect((await restored.leaseNext('w2', 1000, 'main'))?.id).toBe('free');
      expect((await restored.leaseNext('w3', 1000, 'main'))?.id).toBe('running-1');
      expect((await restored.requireEntry('running-1')).lease_expiries).toBe(1);
    } finally {
      await restored.close();
    }
  });
});

describe('migration 6 on a schema-5 store with a backlog', () => {
  it('moves the files of running entries to queue_running_paths and keeps every count, then leases as before', () => {
    const path = join(directory, 'hyperion.db');
    oldStore(path, BACKLOG, 5);
    const before = new Database(path, { readonly: true });
    const heldWhileRunning = before
      .prepare('SELECT target_branch, path, entry_id FROM queue_entry_paths WHERE holding = 2 ORDER BY path')
      .all();
    const countsBefore = before.prepare('SELECT id, blockers FROM queue_entries ORDER BY id').all();
    before.close();
    expect(heldWhileRunning).toEqual([
      { target_branch: 'main', path: 'a.txt', entry_id: 'running-1' },
      { target_branch: 'main', path: 'b.txt', entry_id: 'running-1' },
    ]);
    const now = 1_700_000_000_000;
    const store = SqliteDatabaseStore.open(path, { clock: () => now });
    try {
      const after = new Database(path, { readonly: true });
      try {
        expect(
          after.prepare('SELECT target_branch, path, entry_id FROM queue_running_paths ORDER BY path').all(),
        ).toEqual(heldWhileRunning);
        expect(
          after.prepare('SELECT COUNT(*) AS count FROM queue_entry_paths WHERE holding = 2').get(),
        ).toEqual({
          count: 0,
        });
        expect(after.prepare('SELECT id, blockers FROM queue_entries ORDER BY id').all()).toEqual(
          countsBefore,
        );
        expect(
          after.prepare("SELECT name FROM sqlite_master WHERE name = 'queue_entry_paths_running'").all(),
        ).toEqual([]);
      } finally {
        after.close();
      }
      const entries = store.listEntries({ order: 'submission' });
      expect(runnableByBlockers(path, 'main')).toEqual(
        oracleRunnable(entries, 'main').map((entry) => entry.id),
      );
      const leased: string[] = [];
      for (;;) {
        const expected = oracleLease(store.listEntries({ order: 'submission' }), now, 'main');
        const entry = store.leaseNext(`w${leased.length}`, 1000, 'main');
        expect(entry?.id).toBe(expected?.id);
        if (entry === undefined) break;
        leased.push(entry.id);
        store.transition(entry.id, { from: 'running', to: 'landed', type: 'entry:landed' });
        if (leased.length === 2) {
          // `behind-running` waits on the file the migrated running entry holds until it lands.
          expect(runnableByBlockers(path, 'main')).not.toContain('behind-running');
          store.transition('running-1', { from: 'running', to: 'landed', type: 'entry:landed' });
        }
      }
      expect(leased).toEqual(['free', 'behind-free', 'behind-running', 'behind-behind', 'after-quarantined']);
    } finally {
      store.close();
    }
  });
});
