import type { QueueEvent } from '@hyperion/schema';
import type { HyperionStore, StoreReadModel } from '../store-interface.js';
import { QueueMetricsAccumulator } from './metrics-accumulator.js';
import type { QueueMetrics } from './queue-metrics.js';

/** Events read per store call. */
const DEFAULT_PAGE = 5_000;

/** Options of {@link readQueueMetrics}. */
export interface ReadQueueMetricsOptions {
  /** Only the events at or after this time, epoch milliseconds (default: the whole log). */
  since?: number;
  /** When the metrics are read (default: the store's clock). */
  now?: number;
  /** Events per store call (default 5,000). */
  pageSize?: number;
}

/**
 * Gives `accumulator` the submit times of the entries that landed among its events but were
 * submitted before them: each entry's first event (its `entry:enqueued`), read through the
 * store's per-entry index, one small read per such landing.
 */
export async function resolvePendingSubmissions(
  store: Pick<StoreReadModel, 'listEvents'>,
  accumulator: QueueMetricsAccumulator,
): Promise<void> {
  for (const entryId of accumulator.pendingSubmissions()) {
    const [first] = await store.listEvents({ entryId, limit: 1 });
    const at = first?.type === 'entry:enqueued' ? Date.parse(first.at) : Number.NaN;
    accumulator.resolveSubmission(entryId, Number.isNaN(at) ? undefined : at);
  }
}

/**
 * The queue's metrics over the events since `options.since` (or the whole log), read page by
 * page: a window is read through the store's index on event time (`listEventsSince`), so its
 * cost follows the window, not the history; memory follows the open changes, not the events.
 */
export async function readQueueMetrics(
  store: Pick<StoreReadModel, 'now' | 'listEvents' | 'listEventsSince'>,
  options: ReadQueueMetricsOptions = {},
): Promise<QueueMetrics> {
  const now = options.now ?? store.now();
  const pageSize = options.pageSize ?? DEFAULT_PAGE;
  const accumulator = new QueueMetricsAccumulator();
  let last: QueueEvent | undefined;
  for (;;) {
    const page =
      options.since === undefined
        ? await store.listEvents({ afterId: last?.id ?? 0, limit: pageSize })
        : await store.listEventsSince({
            since: options.since,
            limit: pageSize,
            ...(last === undefined ? {} : { after: { at: last.at, id: last.id } }),
          });
    for (const event of page) accumulator.add(event);
    last = page.at(-1) ?? last;
    if (page.length < pageSize) break;
  }
  await resolvePendingSubmissions(store, accumulator);
  return accumulator.snapshot({ now, since: options.since ?? null });
}

/** Options of {@link QueueMetricsFollower}. */
export interface QueueMetricsFollowerOptions {
  /** How far back landings count in the latency percentiles (default one hour). */
  percentileWindowMs?: number;
  /** Events read per store call (default 5,000). */
  pageSize?: number;
}

/**
 * Metrics since the beginning of the log for a scraper: the first read goes through the log once,
 * every later read only through the events committed since the one before (`listCommittedEvents`),
 * so totals only grow (real counters) and a scrape costs what was written since the last one. The
 * latency percentiles cover the landings of the last `percentileWindowMs`.
 */
export class QueueMetricsFollower {
  private readonly accumulator = new QueueMetricsAccumulator();
  private readonly percentileWindowMs: number;
  private readonly pageSize: number;
  private reading: Promise<QueueMetrics> | undefined;

  constructor(
    private readonly store: Pick<HyperionStore, 'now' | 'listEvents' | 'listCommittedEvents'>,
    options: QueueMetricsFollowerOptions = {},
  ) {
    this.percentileWindowMs = options.percentileWindowMs ?? 3_600_000;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE;
  }

  /** Reads the events written since the last read and returns the metrics; one read at a time. */
  read(): Promise<QueueMetrics> {
    // Two scrapes at once share one read: the accumulator must not take the same events twice.
    this.reading ??= this.readNew().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readNew(): Promise<QueueMetrics> {
    const now = this.store.now();
    for (;;) {
      const page = await this.store.listCommittedEvents({
        afterId: this.accumulator.lastId,
        limit: this.pageSize,
      });
      for (const event of page) this.accumulator.add(event);
      if (page.length < this.pageSize) break;
    }
    await resolvePendingSubmissions(this.store, this.accumulator);
    return this.accumulator.snapshot({ now, percentilesSince: now - this.percentileWindowMs });
  }
}
