import { afterEach, beforeEach, describe } from 'vitest';
import type { HyperionStore } from '../store-interface.js';
import type { ConformanceStoreFactory, ConformanceStoreHandle } from './conformance-target.js';
import { describeConcurrencyCases } from './cases-concurrency.js';
import { describeEntriesOnPathsCases } from './cases-entries-on-paths.js';
import { describeEventsSinceCases } from './cases-events-since.js';
import { describeLeaseCases } from './cases-leases.js';
import { describeOrderCases } from './cases-order.js';
import { describeOwnTransactionCases } from './cases-own-transaction.js';
import { describePruneCases } from './cases-prune.js';
import { describeRecordCases } from './cases-records.js';
import { describeSpeculationCases } from './cases-speculation.js';

/** What each group of cases gets: the current test's store, its clock, and more handles. */
export interface ConformanceContext {
  /** The current test's store. */
  readonly store: HyperionStore;
  /** The current test's handle (for other connections and child processes). */
  readonly handle: ConformanceStoreHandle;
  /** The store's fake clock, epoch milliseconds; tests move it. */
  now: number;
  /** Opens another handle to the store (closed after the test). */
  another(): Promise<HyperionStore>;
  /** A fresh, empty second store (closed and destroyed after the test). */
  freshStore(): Promise<HyperionStore>;
}

/**
 * Registers the store conformance suite: every promise of the store interface, each with cases
 * that try to break it. `factory` makes a fresh, empty store per test. Run it once per store:
 *
 * ```ts
 * describeStoreConformance('SQLite', async ({ clock }) => { ... });
 * ```
 */
export function describeStoreConformance(name: string, factory: ConformanceStoreFactory): void {
  describe(`store conformance: ${name}`, () => {
    const opened: HyperionStore[] = [];
    const handles: ConformanceStoreHandle[] = [];
    let current: ConformanceStoreHandle | undefined;
    const context: ConformanceContext = {
      get store() {
        if (current === undefined)
          throw new Error('no store: the conformance context is used outside a test');
        return current.store;
      },
      get handle() {
        if (current === undefined)
          throw new Error('no store: the conformance context is used outside a test');
        return current;
      },
      now: 1_700_000_000_000,
      async another() {
        const store = await context.handle.openAnother();
        opened.push(store);
        return store;
      },
      async freshStore() {
        const handle = await factory({ clock: () => context.now });
        handles.push(handle);
        opened.push(handle.store);
        return handle.store;
      },
    };

    beforeEach(async () => {
      context.now = 1_700_000_000_000;
      current = await factory({ clock: () => context.now });
      handles.push(current);
      opened.push(current.store);
    });

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      for (const handle of handles.splice(0)) await handle.destroy?.();
      current = undefined;
    });

    describeRecordCases(context);
    describeLeaseCases(context);
    describeOrderCases(context);
    describeEntriesOnPathsCases(context);
    describeConcurrencyCases(context);
    describeOwnTransactionCases(context);
    describePruneCases(context);
    describeSpeculationCases(context);
    describeEventsSinceCases(context);
  });
}
