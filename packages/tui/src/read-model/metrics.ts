import type { QueueEvent, QueueState } from '@hyperion/schema';
import { eventTime } from './event-fields.js';
import type { DashboardMetrics } from './model.js';

const MINUTE_MS = 60_000;
/** How many of the latest landings the latency percentiles cover. */
const LATENCY_SAMPLE = 100;

/** The value at percentile `fraction` (0–1] of ascending `sorted`, nearest-rank method. */
export function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** Enqueue→landed durations of the latest landings, in milliseconds, ascending. */
export function landingLatencies(events: readonly QueueEvent[]): number[] {
  const enqueuedAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const event of events) {
    if (event.type === 'entry:enqueued' && !enqueuedAt.has(event.entry_id)) {
      enqueuedAt.set(event.entry_id, eventTime(event));
    } else if (event.type === 'entry:landed') {
      const start = enqueuedAt.get(event.entry_id);
      const latency = start === undefined ? Number.NaN : eventTime(event) - start;
      if (!Number.isNaN(latency)) latencies.push(Math.max(0, latency));
    }
  }
  return latencies.slice(-LATENCY_SAMPLE).sort((left, right) => left - right);
}

/**
 * Throughput (landings per minute over 10 and 60 minutes), totals from the state counts, success
 * rate, latency percentiles and check failures since `alertSince`.
 */
export function computeMetrics(
  counts: Record<QueueState, number>,
  events: readonly QueueEvent[],
  now: number,
  alertSince: number,
): DashboardMetrics {
  let landedLast10 = 0;
  let landedLast60 = 0;
  let recentCheckFailures = 0;
  let recentCheckFlakes = 0;
  for (const event of events) {
    const time = eventTime(event);
    if (event.type === 'entry:landed') {
      if (time >= now - 10 * MINUTE_MS) landedLast10 += 1;
      if (time >= now - 60 * MINUTE_MS) landedLast60 += 1;
    }
    if (time >= alertSince && event.type === 'check:failed') recentCheckFailures += 1;
    if (time >= alertSince && event.type === 'check:flaked') recentCheckFlakes += 1;
  }
  const outcomes = counts.landed + counts.quarantined + counts.conflicted;
  const latencies = landingLatencies(events);
  return {
    landedPerMinuteLast10: landedLast10 / 10,
    landedPerMinuteLast60: landedLast60 / 60,
    landedTotal: counts.landed,
    conflictsTotal: counts.conflicted,
    quarantinedTotal: counts.quarantined,
    successRate: outcomes === 0 ? null : counts.landed / outcomes,
    latencyMedianMs: percentile(latencies, 0.5),
    latencyP90Ms: percentile(latencies, 0.9),
    recentCheckFailures,
    recentCheckFlakes,
  };
}
