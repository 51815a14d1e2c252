import type { HyperionStore } from '@hyperion/store';
import { render } from 'ink';
import { createElement } from 'react';
import { DashboardApp } from './dashboard-app.js';
import { readDashboard } from './read-model.js';
import { createEventFeed } from './read-model/event-feed.js';
import type { DashboardModel } from './read-model/model.js';
import { watchStoreFile } from './watch-store-file.js';

/** Options of {@link startDashboard}. */
export interface StartDashboardOptions {
  /** The store to show; the dashboard only reads it and never closes it. */
  store: HyperionStore;
  /** Periodic refresh interval in milliseconds (default 500). */
  refreshMs?: number;
  /** Shown in the header after the product name. */
  title?: string;
  /** Where to draw (default `process.stdout`). */
  stdout?: NodeJS.WriteStream;
  /** Where keys come from (default `process.stdin`). */
  stdin?: NodeJS.ReadStream;
  /** Least time between refreshes caused by database file changes (default 100 ms). */
  watchThrottleMs?: number;
}

/** A running dashboard. */
export interface DashboardHandle {
  /** Resolves when the dashboard exits: `q`, Ctrl-C or {@link DashboardHandle.stop}. */
  waitUntilExit(): Promise<void>;
  /** Stops refreshing and unmounts the dashboard. */
  stop(): void;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Draws the live dashboard: re-reads the model every `refreshMs` and whenever the store's
 * database file changes (writes by workers in other processes included).
 */
export function startDashboard(options: StartDashboardOptions): DashboardHandle {
  const { store, title } = options;
  const feed = createEventFeed(store);
  let model: DashboardModel = readDashboard(store, { events: feed.read() });
  let error: string | null = null;
  let stopped = false;
  const element = () =>
    createElement(DashboardApp, { model, error, ...(title === undefined ? {} : { title }) });
  const instance = render(element(), {
    stdout: options.stdout ?? process.stdout,
    stdin: options.stdin ?? process.stdin,
    patchConsole: false,
  });
  const refresh = () => {
    if (stopped) return;
    try {
      model = readDashboard(store, { events: feed.read() });
      error = null;
    } catch (refreshError) {
      // Keep the last good model on screen; a locked or busy database usually recovers.
      error = describeError(refreshError);
    }
    instance.rerender(element());
  };
  const timer = setInterval(refresh, options.refreshMs ?? 500);
  const watcher = watchStoreFile(store.path, refresh, options.watchThrottleMs ?? 100);
  const cleanup = () => {
    stopped = true;
    clearInterval(timer);
    watcher.close();
  };
  const exited = instance.waitUntilExit().then(cleanup, (exitError: unknown) => {
    cleanup();
    throw exitError;
  });
  return {
    waitUntilExit: () => exited,
    stop() {
      cleanup();
      instance.unmount();
    },
  };
}
