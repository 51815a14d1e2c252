import type { QueueEvent, QueueState } from '@hyperion/schema';
import { computeQueueMetrics, percentile, QueueMetricsAccumulator } from '@hyperion/store';
import { eventsSince } from './event-fields.js';
import type { DashboardMetrics } from './model.js';

const MINUTE_MS = 60_000;
/** How many of the latest landings the latency percentiles cover. */
const LATENCY_SAMPLE = 100;

export { percentile };

/** Enqueue→landed durations of the latest landings, in milliseconds, ascending. */
export function landingLatencies(events: readonly QueueEvent[]): number[] {
  const accumulator = new QueueMetricsAccumulator();
  for (const event of events) accumulator.add(event);
  return accumulator.sortedLatencies(LATENCY_SAMPLE);
}

/**
 * The dashboard's metrics, computed by `@hyperion/store`'s queue metrics (the ones `hyperion
 * metrics` prints): throughput (landings per minute over 10 and 60 minutes), totals from the state
 * counts, success rate, latency percentiles of the latest landings, and check failures and flakes
 * since `alertSince`.
 */
export function computeMetrics(
  counts: Record<QueueState, number>,
  events: readonly QueueEvent[],
  now: number,
  alertSince: number,
): DashboardMetrics {
  const window = (since: number) => computeQueueMetrics(eventsSince(events, since), { now, since });
  const latencies = landingLatencies(events);
  const checks = window(alertSince).checks;
  const outcomes = counts.landed + counts.quarantined + counts.conflicted;
  return {
    landedPerMinuteLast10: window(now - 10 * MINUTE_MS).landed / 10,
    landedPerMinuteLast60: window(now - 60 * MINUTE_MS).landed / 60,
    landedTotal: counts.landed,
    conflictsTotal: counts.conflicted,
    quarantinedTotal: counts.quarantined,
    successRate: outcomes === 0 ? null : counts.landed / outcomes,
    latencyMedianMs: percentile(latencies, 0.5),
    latencyP90Ms: percentile(latencies, 0.9),
    recentCheckFailures: checks.failures,
    recentCheckFlakes: checks.flakes,
  };
}
