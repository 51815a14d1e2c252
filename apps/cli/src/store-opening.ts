import { hyperionPaths, loadConfig, type HyperionPaths } from '@hyperion/queue/workspace';
import type { HyperionConfig } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';
import { openExistingStore } from './store-access.js';
import { selectStore, type StoreSelection } from './store-selection.js';

export { translateOpenError } from '@hyperion/store';
export { withStoreWayOut } from './store-access.js';

/*
 * What opening a store context needs once git has found the repository: the config, the store's
 * driver (better-sqlite3) and the store. `openStoreContext` loads this module while git runs.
 */

/** The config, the store selection and the open store of the repository whose main worktree is `root`. */
export interface RepositoryStore {
  paths: HyperionPaths;
  config: HyperionConfig;
  storeSelection: StoreSelection;
  store: HyperionStore;
}

/**
 * Reads the config of the repository at `root`, then opens its existing store. A missing
 * `.hyperion/` or a bad config is reported before a missing, empty or corrupt store.
 */
export async function openRepositoryStore(root: string): Promise<RepositoryStore> {
  const paths = hyperionPaths(root);
  const config = loadConfig(paths);
  const storeSelection = selectStore(paths, config);
  const store = await openExistingStore(paths, config);
  return { paths, config, storeSelection, store };
}
