import { setTimeout as sleep } from 'node:timers/promises';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EntryDetail } from './read-model/entry-detail.js';
import type { DashboardModel } from './read-model/model.js';

/** Where a live dashboard gets its models from. */
export interface DashboardSource {
  /** Reads a fresh model from the store. */
  load(): Promise<DashboardModel>;
  /**
   * Resolves when the store may have changed (in this process or another) or after `timeoutMs`;
   * at once when `signal` is aborted (a store's `waitForChange`).
   */
  waitForChange(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Reads what Enter shows for one entry (undefined: no such entry). */
  loadEntry?(id: string): Promise<EntryDetail | undefined>;
  /** Longest time between refreshes, in milliseconds. */
  refreshMs: number;
  /** Least time between refreshes caused by changes, in milliseconds. */
  throttleMs: number;
}

/** What {@link useLiveModel} shows: the last good model and the last refresh error. */
export interface LiveModel {
  /** The latest model read from the store. */
  model: DashboardModel;
  /** The last read's error message, or null when it succeeded. */
  error: string | null;
  /** Reads a fresh model now (after an action), without waiting for the store's notification. */
  refresh(): void;
}

/** The message of an error, for one line on screen. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Waits for the next refresh: `refreshMs` at the latest, sooner when the store changes, but never
 * sooner than `throttleMs` after the previous refresh; at once when `signal` is aborted.
 */
async function nextRefresh(source: DashboardSource, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  await source.waitForChange(source.refreshMs, signal);
  const elapsed = Date.now() - started;
  if (elapsed >= source.refreshMs || signal.aborted) return;
  const rest = Math.min(source.refreshMs, source.throttleMs) - elapsed;
  if (rest > 0) await sleep(rest, undefined, { signal }).catch(() => undefined);
}

/**
 * The dashboard's model, kept fresh by an effect: loads from `source` after every change of the
 * store (throttled, never a tight poll) and at least every `refreshMs`, and renders from state. A
 * failed load keeps the last good model on screen with the error (a locked or busy database
 * usually recovers). Without a source the initial model stays.
 */
export function useLiveModel(initial: DashboardModel, source: DashboardSource | undefined): LiveModel {
  const [live, setLive] = useState<{ model: DashboardModel; error: string | null }>({
    model: initial,
    error: null,
  });
  const wake = useRef<AbortController | undefined>(undefined);
  useEffect(() => {
    if (source === undefined) return undefined;
    const controller = new AbortController();
    const { signal } = controller;
    const loop = async (): Promise<void> => {
      while (!signal.aborted) {
        const nudge = new AbortController();
        wake.current = nudge;
        await nextRefresh(source, AbortSignal.any([signal, nudge.signal]));
        if (signal.aborted) return;
        try {
          const model = await source.load();
          if (!signal.aborted) setLive({ model, error: null });
        } catch (error) {
          if (!signal.aborted)
            setLive((previous) => ({ model: previous.model, error: describeError(error) }));
        }
      }
    };
    loop().catch(() => undefined);
    return () => controller.abort();
  }, [source]);
  const refresh = useCallback(() => wake.current?.abort(), []);
  return { ...live, refresh };
}
