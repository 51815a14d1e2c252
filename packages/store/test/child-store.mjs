// Opens the SQLite store in a child process of the conformance suite (the built package).
import { SqliteStore } from '@hyperion/store';

/** Opens the store file at `path` with the real clock. */
export function openStore(path) {
  return Promise.resolve(SqliteStore.open(path));
}
