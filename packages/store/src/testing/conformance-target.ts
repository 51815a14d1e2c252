import type { HyperionStore } from '../store-interface.js';

/** One fresh store made for one conformance test. */
export interface ConformanceStoreHandle {
  /** The store, empty, created with the clock the suite passed. */
  store: HyperionStore;
  /** Opens another handle to the same store (another connection), with the same clock. */
  openAnother(): Promise<HyperionStore>;
  /**
   * How a child process opens the same store: an ES module (absolute path or `file:` URL) that
   * plain Node can import, exporting `openStore(argument: string): Promise<HyperionStore>` (with
   * the real clock), and the argument to give it (a file path, a database URL).
   */
  childProcess: { module: string; argument: string };
  /** Removes what the store left behind, after the suite closed every handle. */
  destroy?(): Promise<void>;
}

/** Makes a fresh, empty store for each conformance test. */
export type ConformanceStoreFactory = (options: { clock: () => number }) => Promise<ConformanceStoreHandle>;
