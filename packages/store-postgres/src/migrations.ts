import { SPECULATION_AT_RISK_SQL, SPECULATION_TABLES_SQL } from './speculation-operations.js';

/** One numbered schema migration of the PostgreSQL store. Migrations only ever get appended. */
export interface PostgresMigration {
  /** Sequence number, starting at 1, without gaps. */
  version: number;
  /** What the migration does. */
  description: string;
  /** SQL run inside the migration's transaction. */
  sql: string;
}

/**
 * Every migration, in order. The tables mirror the SQLite store's; three are PostgreSQL's own:
 * `queue_entry_paths` (the paths of the entries that hold them, `queued` and `running`, indexed by
 * path and submission), `queue_entry_dependencies` (each entry's `depends_on`, indexed by the
 * dependency) and the `blockers` column they keep up to date, so leasing reads one index.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description:
      'requests, assignments, assignment runs, change requests, the queue with its path and dependency indexes, change_queue_logs and queue controls',
    sql: `
      CREATE TABLE requests (
        sequence BIGSERIAL NOT NULL UNIQUE,
        id TEXT PRIMARY KEY,
        summary TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX requests_newest_first ON requests (created_at DESC, sequence DESC);
      CREATE TABLE assignments (
        sequence BIGSERIAL NOT NULL UNIQUE,
        task_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES requests (id),
        summary TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX assignments_by_request ON assignments (request_id, sequence);
      CREATE TABLE assignment_runs (
        id BIGSERIAL PRIMARY KEY,
        request_id TEXT NOT NULL,
        task_id TEXT,
        role TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        harness TEXT NOT NULL,
        status TEXT NOT NULL,
        input_tokens BIGINT,
        output_tokens BIGINT,
        cost_usd DOUBLE PRECISION,
        credits DOUBLE PRECISION,
        duration_ms BIGINT NOT NULL,
        change_id TEXT,
        error TEXT,
        data TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX assignment_runs_by_request ON assignment_runs (request_id, id);
      CREATE INDEX assignment_runs_by_task ON assignment_runs (task_id, id);
      CREATE TABLE change_requests (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        request_id TEXT,
        agent TEXT NOT NULL,
        patch_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX change_requests_unique_patch ON change_requests (task_id, patch_hash);
      CREATE TABLE queue_entries (
        sequence BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE REFERENCES change_requests (id),
        task_id TEXT NOT NULL,
        request_id TEXT,
        agent TEXT NOT NULL,
        summary TEXT NOT NULL,
        state TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        lease_expiries INTEGER NOT NULL DEFAULT 0,
        depends_on TEXT NOT NULL DEFAULT '[]',
        target_branch TEXT NOT NULL,
        paths TEXT NOT NULL,
        patch TEXT NOT NULL,
        patch_hash TEXT NOT NULL,
        base_commit TEXT,
        checks TEXT NOT NULL,
        lease_owner TEXT,
        lease_expires_at BIGINT,
        not_before BIGINT,
        last_error TEXT,
        landed_commit TEXT,
        blockers INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX queue_entries_in_queue_order ON queue_entries (priority DESC, sequence);
      CREATE INDEX queue_entries_by_state ON queue_entries (state, priority DESC, sequence);
      CREATE INDEX queue_entries_by_task ON queue_entries (task_id);
      CREATE INDEX queue_entries_by_request ON queue_entries (request_id);
      CREATE INDEX queue_entries_runnable ON queue_entries (target_branch, priority DESC, sequence)
        WHERE state = 'queued' AND blockers = 0;
      CREATE INDEX queue_entries_runnable_any_branch ON queue_entries (priority DESC, sequence)
        WHERE state = 'queued' AND blockers = 0;
      CREATE INDEX queue_entries_running ON queue_entries (lease_expires_at) WHERE state = 'running';
      CREATE TABLE queue_entry_paths (
        sequence BIGINT NOT NULL REFERENCES queue_entries (sequence) ON DELETE CASCADE,
        target_branch TEXT NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (sequence, path)
      );
      CREATE INDEX queue_entry_paths_by_path ON queue_entry_paths (target_branch, path, sequence);
      CREATE TABLE queue_entry_dependencies (
        sequence BIGINT NOT NULL REFERENCES queue_entries (sequence) ON DELETE CASCADE,
        depends_on TEXT NOT NULL,
        PRIMARY KEY (sequence, depends_on)
      );
      CREATE INDEX queue_entry_dependencies_by_dependency ON queue_entry_dependencies (depends_on);
      CREATE TABLE change_queue_logs (
        id BIGSERIAL PRIMARY KEY,
        entry_id TEXT NOT NULL,
        type TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        worker TEXT,
        at TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX change_queue_logs_by_entry ON change_queue_logs (entry_id, id);
      CREATE TABLE queue_controls (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_by TEXT,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description:
      'speculation shared by worker processes: the candidates in flight and the build-turn tickets, each expiring unless renewed',
    sql: SPECULATION_TABLES_SQL,
  },
  {
    version: 3,
    description:
      'an index on the event time, so the events since a time (metrics over a window) are read without scanning the whole log',
    sql: `
      CREATE INDEX change_queue_logs_by_time ON change_queue_logs (at COLLATE "C", id);
    `,
  },
  {
    version: 4,
    description:
      'a speculation candidate can be marked at risk (its check came out red, or it is a bisection probe), so that no worker builds on it',
    sql: SPECULATION_AT_RISK_SQL,
  },
];

/** The newest migration this version knows. */
export const NEWEST_POSTGRES_MIGRATION = Math.max(
  ...POSTGRES_MIGRATIONS.map((migration) => migration.version),
);

/** Every table the migrations create (read from their SQL, so a new migration is covered too). */
export const POSTGRES_TABLES: readonly string[] = POSTGRES_MIGRATIONS.flatMap((migration) =>
  [...migration.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/gi)].map((match) => match[1]!),
);
