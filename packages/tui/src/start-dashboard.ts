import type { QueueStore, StoreReadModel } from '@hyperion/store';
import { render } from 'ink';
import { createElement } from 'react';
import type { DashboardActions } from './actions.js';
import { DashboardApp } from './dashboard-app.js';
import { readDashboard } from './read-model.js';
import { loadEntryDetail } from './read-model/entry-detail.js';
import { createEventFeed } from './read-model/event-feed.js';
import type { DashboardSource } from './use-live-model.js';

/** Options of {@link startDashboard}. */
export interface StartDashboardOptions {
  /**
   * The store to show (a `HyperionStore`); the dashboard only reads it, waits for its changes and
   * never closes it.
   */
  store: StoreReadModel & Pick<QueueStore, 'waitForChange'>;
  /** Periodic refresh interval in milliseconds (default 500). */
  refreshMs?: number;
  /** Shown in the header after the product name. */
  title?: string;
  /** Where to draw (default `process.stdout`). */
  stdout?: NodeJS.WriteStream;
  /** Where keys come from (default `process.stdin`). */
  stdin?: NodeJS.ReadStream;
  /** Least time between refreshes caused by store changes (default 100 ms). */
  watchThrottleMs?: number;
  /** What `a`, `x`, `r` and `p` do (built on the queue by the CLI); without them it is read-only. */
  actions?: DashboardActions;
  /** The configured lease length, to show each worker's heartbeat age. */
  leaseMs?: number;
  /** Draw colors (default: unless `NO_COLOR` is set). */
  colors?: boolean;
}

/** A running dashboard. */
export interface DashboardHandle {
  /** Resolves when the dashboard exits: `q`, Ctrl-C or {@link DashboardHandle.stop}. */
  waitUntilExit(): Promise<void>;
  /** Stops refreshing and unmounts the dashboard. */
  stop(): void;
}

/**
 * Draws the live dashboard: reads the first model, then re-reads it every `refreshMs` and
 * whenever the store changes (writes by workers in other processes included: SQLite's file
 * notification, PostgreSQL's LISTEN/NOTIFY, through the store's `waitForChange`), throttled.
 */
export async function startDashboard(options: StartDashboardOptions): Promise<DashboardHandle> {
  const { store, title } = options;
  const feed = createEventFeed(store);
  const load = async () =>
    readDashboard(store, {
      events: await feed.read(),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    });
  const source: DashboardSource = {
    load,
    loadEntry: (id) => loadEntryDetail(store, id),
    waitForChange: (timeoutMs, signal) => store.waitForChange(timeoutMs, signal),
    refreshMs: options.refreshMs ?? 500,
    throttleMs: options.watchThrottleMs ?? 100,
  };
  const model = await load();
  const instance = render(
    createElement(DashboardApp, {
      model,
      source,
      ...(title === undefined ? {} : { title }),
      ...(options.actions === undefined ? {} : { actions: options.actions }),
      ...(options.colors === undefined ? {} : { colors: options.colors }),
    }),
    {
      stdout: options.stdout ?? process.stdout,
      stdin: options.stdin ?? process.stdin,
      patchConsole: false,
    },
  );
  const exited = instance.waitUntilExit().then(() => undefined);
  return {
    waitUntilExit: () => exited,
    stop() {
      // Unmounting ends the refresh effect.
      instance.unmount();
    },
  };
}
