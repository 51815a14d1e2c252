import { SqliteStore } from '@hyperion/store';
import { CountingStore } from './counting-store.js';

/**
 * Opens the SQLite store file at `path` behind a {@link CountingStore}. The conformance suite's
 * child processes import this module and call it as `openStore(path)`.
 */
export function openCountingStore(
  path: string,
  options: { create?: boolean; clock?: () => number } = {},
): CountingStore {
  return new CountingStore(SqliteStore.open(path, options));
}

/** The entry point the store conformance suite's child processes call (the real clock). */
export function openStore(path: string): Promise<CountingStore> {
  return Promise.resolve(openCountingStore(path));
}
