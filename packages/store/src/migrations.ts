import type Database from 'better-sqlite3';
import { REBUILD_QUEUE_BLOCKERS_SQL_V5 } from './queue-blockers.js';
import { SPECULATION_AT_RISK_SQL, SPECULATION_TABLES_SQL } from './sqlite-speculation.js';

/** One numbered schema migration. Migrations only ever get appended. */
export interface Migration {
  /** Sequence number, starting at 1, without gaps. */
  version: number;
  /** What the migration does. */
  description: string;
  /** SQL run inside the migration's transaction. */
  sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'requests, assignments, change requests, the queue and change_queue_logs',
    sql: `
      CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        summary TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE assignments (
        task_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES requests(id),
        summary TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX assignments_by_request ON assignments(request_id);
      CREATE TABLE change_requests (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        request_id TEXT,
        agent TEXT NOT NULL,
        patch_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX change_requests_unique_patch ON change_requests(task_id, patch_hash);
      CREATE TABLE queue_entries (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE REFERENCES change_requests(id),
        task_id TEXT NOT NULL,
        request_id TEXT,
        agent TEXT NOT NULL,
        summary TEXT NOT NULL,
        state TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        target_branch TEXT NOT NULL,
        paths TEXT NOT NULL,
        patch TEXT NOT NULL,
        patch_hash TEXT NOT NULL,
        base_commit TEXT,
        checks TEXT NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        not_before INTEGER,
        last_error TEXT,
        landed_commit TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX queue_entries_by_state ON queue_entries(state, priority DESC, sequence);
      CREATE INDEX queue_entries_by_task ON queue_entries(task_id);
      CREATE INDEX queue_entries_by_request ON queue_entries(request_id);
      CREATE TABLE change_queue_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL,
        type TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        worker TEXT,
        at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX change_queue_logs_by_entry ON change_queue_logs(entry_id, id);
    `,
  },
  {
    version: 2,
    description: 'queue controls (pause, drain) shared by every worker process',
    sql: `
      CREATE TABLE queue_controls (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_by TEXT,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'assignment runs: one row per agent run of a request (role, status, usage, duration)',
    sql: `
      CREATE TABLE assignment_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        task_id TEXT,
        role TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        harness TEXT NOT NULL,
        status TEXT NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd REAL,
        credits REAL,
        duration_ms INTEGER NOT NULL,
        change_id TEXT,
        error TEXT,
        data TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX assignment_runs_by_request ON assignment_runs(request_id, id);
      CREATE INDEX assignment_runs_by_task ON assignment_runs(task_id, id);
    `,
  },
  {
    version: 4,
    description:
      'lease expiries counted apart from attempts (a dead worker is not the change failing); stacked entries name the entries they depend on',
    sql: `
      ALTER TABLE queue_entries ADD COLUMN lease_expiries INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE queue_entries ADD COLUMN depends_on TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 5,
    description:
      'leasing by index: the files and dependencies of each entry in tables of their own, and a blockers count per entry (files held by earlier or running entries + unfinished dependencies)',
    sql: `
      CREATE TABLE queue_entry_paths (
        entry_id TEXT NOT NULL,
        target_branch TEXT NOT NULL,
        path TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        holding INTEGER NOT NULL DEFAULT 0,
        blocked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (entry_id, path)
      ) WITHOUT ROWID;
      CREATE INDEX queue_entry_paths_holding ON queue_entry_paths(target_branch, path, sequence) WHERE holding > 0;
      CREATE INDEX queue_entry_paths_running ON queue_entry_paths(target_branch, path) WHERE holding = 2;
      CREATE TABLE queue_entry_dependencies (
        entry_id TEXT NOT NULL,
        depends_on TEXT NOT NULL,
        PRIMARY KEY (entry_id, depends_on)
      ) WITHOUT ROWID;
      CREATE INDEX queue_entry_dependencies_by_dependency ON queue_entry_dependencies(depends_on);
      ALTER TABLE queue_entries ADD COLUMN blockers INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX queue_entries_runnable ON queue_entries(target_branch, priority DESC, sequence)
        WHERE state = 'queued' AND blockers = 0;
      CREATE INDEX queue_entries_lease_expiry ON queue_entries(lease_expires_at) WHERE state = 'running';
      ${REBUILD_QUEUE_BLOCKERS_SQL_V5}
    `,
  },
  {
    version: 6,
    description:
      'the files of running entries in a small table of their own (a lease no longer rewrites file rows and their indexes)',
    sql: `
      CREATE TABLE queue_running_paths (
        target_branch TEXT NOT NULL,
        path TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        PRIMARY KEY (target_branch, path, entry_id)
      ) WITHOUT ROWID;
      INSERT INTO queue_running_paths (target_branch, path, entry_id)
        SELECT target_branch, path, entry_id FROM queue_entry_paths WHERE holding = 2;
      UPDATE queue_entry_paths SET holding = 1 WHERE holding = 2;
      DROP INDEX queue_entry_paths_running;
    `,
  },
  {
    version: 7,
    description:
      'speculation shared by worker processes: the candidates in flight and the build-turn tickets, each expiring unless renewed',
    sql: SPECULATION_TABLES_SQL,
  },
  {
    version: 8,
    description:
      'an index on the event time, so the events since a time (metrics over a window) are read without scanning the whole log',
    sql: `
      CREATE INDEX change_queue_logs_by_time ON change_queue_logs(at, id);
    `,
  },
  {
    version: 9,
    description:
      'a speculation candidate can be marked at risk (its check came out red, or it is a bisection probe), so that no worker builds on it',
    sql: SPECULATION_AT_RISK_SQL,
  },
];

/** The versions recorded in `schema_migrations`, read without a transaction of their own. */
function recordedVersions(database: Database.Database): Set<number> {
  const rows = database.prepare('SELECT version FROM schema_migrations').all() as Array<{
    version: number;
  }>;
  return new Set(rows.map((row) => row.version));
}

/**
 * Brings the database up to the newest migration, each in its own immediate transaction, and
 * returns the versions applied. Safe when several processes open the same file at once. The
 * versions already recorded are read once first (a recorded migration is never undone), so
 * opening an up-to-date store takes no write lock; each one still missing is checked again
 * inside its transaction, where another process may have applied it meanwhile.
 */
export function migrate(database: Database.Database): number[] {
  database.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const recorded = recordedVersions(database);
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (recorded.has(migration.version)) continue;
    const run = database.transaction(() => {
      const existing = database
        .prepare('SELECT version FROM schema_migrations WHERE version = ?')
        .get(migration.version);
      if (existing !== undefined) return;
      database.exec(migration.sql);
      database
        .prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.description, new Date().toISOString());
      applied.push(migration.version);
    });
    run.immediate();
  }
  return applied;
}
