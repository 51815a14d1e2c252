import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** A running file watch; {@link StoreFileWatch.close} stops it. */
export interface StoreFileWatch {
  /** Stops watching and drops any pending notification. */
  close(): void;
}

/**
 * Calls `onChange` at most once per `throttleMs` after the SQLite database file or its `-wal`
 * file changes. The directory is watched, not the files, because SQLite creates and removes the
 * `-wal` file as it checkpoints. The `-shm` file is ignored: readers touch it too, and the
 * dashboard's own reads must not wake it up again.
 */
export function watchStoreFile(
  databasePath: string,
  onChange: () => void,
  throttleMs: number,
): StoreFileWatch {
  const names = new Set([basename(databasePath), `${basename(databasePath)}-wal`]);
  let pending: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(databasePath), { persistent: false }, (_eventType, filename) => {
      if (filename === null || !names.has(filename.toString()) || pending !== undefined) return;
      pending = setTimeout(() => {
        pending = undefined;
        onChange();
      }, throttleMs);
    });
    // A watch that fails later (directory removed) leaves the periodic refresh in charge.
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    close() {
      if (pending !== undefined) clearTimeout(pending);
      pending = undefined;
      watcher?.close();
    },
  };
}
