import { existsSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HyperionError } from '@hyperion/schema';
import { openStoreDatabase } from './open-store-database.js';

/** How long maintenance waits for another process's write lock. */
const BUSY_TIMEOUT_MS = 10_000;

/** What {@link backupSqliteStore} wrote. */
export interface SqliteBackupResult {
  /** The backup file. */
  file: string;
  /** Its size. */
  bytes: number;
}

/**
 * Copies the SQLite store at `source` to `destination` with SQLite's online backup API: workers may
 * keep writing meanwhile, and the copy is one consistent snapshot (WAL included). The copy is then
 * opened and checked (`integrity_check`). Refuses (`invalid_state`) a destination that exists, and
 * removes a copy that failed its check.
 */
export async function backupSqliteStore(source: string, destination: string): Promise<SqliteBackupResult> {
  if (existsSync(destination)) {
    throw new HyperionError(
      'invalid_state',
      `${destination} exists; a backup never overwrites a file (choose another name)`,
      { details: { file: destination } },
    );
  }
  const database = openStoreDatabase(source, {
    create: false,
    busyTimeoutMs: BUSY_TIMEOUT_MS,
    synchronous: 'FULL',
  });
  try {
    await database.backup(destination);
  } catch (error) {
    rmSync(destination, { force: true });
    const message = error instanceof Error ? error.message : String(error);
    throw new HyperionError('permission_denied', `cannot write the backup ${destination}: ${message}`, {
      cause: error,
      details: { file: destination },
    });
  } finally {
    database.close();
  }
  const problems = integrityProblems(destination);
  if (problems.length > 0) {
    rmSync(destination, { force: true });
    throw new HyperionError('store_corrupt', `the backup ${destination} failed its check: ${problems[0]}`, {
      details: { file: destination, problems },
    });
  }
  return { file: destination, bytes: statSync(destination).size };
}

/** The problems `PRAGMA integrity_check` finds in the SQLite file at `file` (none when it is sound). */
export function integrityProblems(file: string): string[] {
  const database = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    const rows = database.pragma('integrity_check') as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).filter((text) => text !== 'ok');
  } finally {
    database.close();
  }
}

/** The state of a SQLite store's write-ahead log. */
export interface WalState {
  /** Bytes in `<file>-wal` before the checkpoint (0 when there is none). */
  walBytes: number;
  /** Bytes in `<file>-wal` after it (a `TRUNCATE` checkpoint that finished leaves 0). */
  walBytesAfter: number;
  /** Frames in the log, and how many of them are already copied into the database file. */
  logFrames: number;
  /** How many of `logFrames` are already in the database file. */
  checkpointedFrames: number;
  /** True when a reader kept the checkpoint from finishing. */
  busy: boolean;
}

/**
 * Runs a checkpoint of the store at `file` and reports the log: `PASSIVE` copies what it can
 * without waiting for anyone; `TRUNCATE` (for `doctor --fix`) waits for readers to finish and
 * empties the log file.
 */
export function checkpointSqliteStore(file: string, mode: 'PASSIVE' | 'TRUNCATE'): WalState {
  const database = openStoreDatabase(file, {
    create: false,
    busyTimeoutMs: BUSY_TIMEOUT_MS,
    synchronous: 'FULL',
  });
  const walFile = `${file}-wal`;
  const sizeOfWal = (): number => (existsSync(walFile) ? statSync(walFile).size : 0);
  try {
    const walBytes = sizeOfWal();
    const [row] = database.pragma(`wal_checkpoint(${mode})`) as Array<{
      busy: number;
      log: number;
      checkpointed: number;
    }>;
    return {
      walBytes,
      walBytesAfter: sizeOfWal(),
      logFrames: Math.max(0, row?.log ?? 0),
      checkpointedFrames: Math.max(0, row?.checkpointed ?? 0),
      busy: (row?.busy ?? 0) !== 0,
    };
  } finally {
    database.close();
  }
}
