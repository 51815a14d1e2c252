import { printable, type QueueState } from '@hyperion/schema';
import type { QueueMetrics } from '@hyperion/store';

function percent(ratio: number | null): string {
  return ratio === null ? '-' : `${(ratio * 100).toFixed(1)}%`;
}

/** A duration in milliseconds for people: 850ms, 12.5s, 3m 20s, 1h 5m. */
export function formatMilliseconds(milliseconds: number | null): string {
  if (milliseconds === null) return '-';
  if (milliseconds < 1_000) return `${Math.round(milliseconds)}ms`;
  const seconds = milliseconds / 1_000;
  if (seconds < 60) return `${Number(seconds.toFixed(1))}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${Math.round(seconds % 60)}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

function number(value: number | null, digits = 2): string {
  return value === null ? '-' : String(Number(value.toFixed(digits)));
}

/**
 * `hyperion metrics` for people: the window, outcomes and rates, latency, checks, then one line
 * per check (its name is stored text: shown with its control characters made visible).
 */
export function formatMetricsText(
  metrics: QueueMetrics,
  states: Partial<Record<QueueState, number>>,
): string[] {
  const window =
    metrics.since === null
      ? 'the whole event log'
      : `since ${new Date(metrics.since).toISOString()} (${formatMilliseconds(metrics.now - metrics.since)})`;
  const waiting = (['queued', 'running', 'awaiting_approval'] as const)
    .map((state) => `${state} ${states[state] ?? 0}`)
    .join(' · ');
  const { checks, latency } = metrics;
  const lines = [
    `Queue metrics over ${window}`,
    `  landed ${metrics.landed} of ${metrics.enqueued} submitted · throughput ${number(metrics.throughputPerHour)}/h`,
    `  success ${percent(metrics.successRate)} · conflict rate ${percent(metrics.conflictRate)} · conflicted ${metrics.conflicted} · quarantined ${metrics.quarantined}`,
    `  submit to land: p50 ${formatMilliseconds(latency.p50Ms)} · p95 ${formatMilliseconds(latency.p95Ms)} (${latency.count} landings)`,
    `  checks: ${number(checks.runs)} runs (${number(checks.runsPerLanded)} per landed) · ${number(checks.failures)} failed · ${number(checks.flakes)} flaked · ${formatMilliseconds(checks.seconds * 1000)} check time`,
  ];
  for (const check of checks.byName) {
    lines.push(
      `    ${printable(check.name)}: ${number(check.runs)} runs · ${number(check.failures)} failed · ${number(check.flakes)} flaked · ${formatMilliseconds(check.seconds * 1000)}`,
    );
  }
  lines.push(`  now: ${waiting}`);
  return lines;
}
