import { printable, QUEUE_STATES, type QueueState } from '@hyperion/schema';
import type { CheckMetrics, QueueMetrics } from '@hyperion/store';

/** The content type of the Prometheus text exposition format this module writes. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Longest label value written: stored text is cut there. */
const LABEL_LIMIT = 200;

/**
 * A label value for the text format: control characters shown as visible text (`printable`,
 * so a stored name cannot carry a terminal sequence to whoever reads the scrape), cut at
 * {@link LABEL_LIMIT}, then `\`, `"` and newline escaped as the format requires.
 */
export function prometheusLabelValue(text: string): string {
  return Array.from(printable(text))
    .slice(0, LABEL_LIMIT)
    .join('')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
}

/** A sample value: a finite number as JavaScript writes it, or `NaN` for an unknown one. */
function sampleValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

type Labels = Readonly<Record<string, string>>;

/** Writes one metric family: its HELP and TYPE lines, then its samples. */
class Exposition {
  private readonly lines: string[] = [];

  family(
    name: string,
    type: 'counter' | 'gauge' | 'summary',
    help: string,
    samples: ReadonlyArray<{ suffix?: string; labels?: Labels; value: number | null }>,
  ): void {
    // HELP text escapes `\` and newline; ours is fixed text, escaped all the same.
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.lines.push(`# TYPE ${name} ${type}`);
    for (const sample of samples) {
      const labels = Object.entries(sample.labels ?? {});
      const labelText =
        labels.length === 0
          ? ''
          : `{${labels.map(([key, value]) => `${key}="${prometheusLabelValue(value)}"`).join(',')}}`;
      this.lines.push(`${name}${sample.suffix ?? ''}${labelText} ${sampleValue(sample.value)}`);
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** What {@link formatPrometheus} writes besides the metrics of the log. */
export interface PrometheusExtras {
  /** Entries in each state now (`countByState`), as a gauge; a state it lacks is written 0. */
  states?: Partial<Record<QueueState, number>>;
}

/**
 * The queue's metrics in the Prometheus text exposition format (version 0.0.4), every name
 * prefixed `hyperion_`, each family with its HELP and TYPE lines. Counters count over the events
 * the metrics were computed from: the whole log (a scrape of `--metrics-port`), or the `--since`
 * window of `hyperion metrics --prom`. The latency summary's quantiles are in seconds.
 */
export function formatPrometheus(metrics: QueueMetrics, extras: PrometheusExtras = {}): string {
  const out = new Exposition();
  const window = metrics.since === null ? 'in the event log' : 'in the window';
  const counter = (name: string, what: string, value: number) =>
    out.family(`hyperion_${name}_total`, 'counter', `${what} ${window}.`, [{ value }]);
  counter('changes_enqueued', 'Changes submitted to the queue', metrics.enqueued);
  counter('changes_landed', 'Changes landed on the target branch', metrics.landed);
  counter('changes_conflicted', 'Changes that conflicted', metrics.conflicted);
  counter('changes_quarantined', 'Changes quarantined', metrics.quarantined);
  counter('changes_rejected', 'Changes rejected by a person', metrics.rejected);
  counter('changes_cancelled', 'Changes cancelled', metrics.cancelled);
  counter('changes_rolled_back', 'Changes rolled back', metrics.rolledBack);
  // Names that make the same label value (alike once cut or shown printable) share one series:
  // a scrape that repeats a series is refused whole.
  const byLabel = new Map<string, { name: string; figures: CheckMetrics }>();
  for (const check of metrics.checks.byName) {
    const label = prometheusLabelValue(check.name);
    const shared = byLabel.get(label) ?? {
      name: check.name,
      figures: { runs: 0, failures: 0, flakes: 0, seconds: 0 },
    };
    for (const field of ['runs', 'failures', 'flakes', 'seconds'] as const)
      shared.figures[field] += check[field];
    byLabel.set(label, shared);
  }
  const perCheck = (field: keyof CheckMetrics) =>
    [...byLabel.values()].map(({ name, figures }) => ({
      labels: { check: name },
      value: Math.round(figures[field] * 1e6) / 1e6,
    }));
  out.family(
    'hyperion_check_runs_total',
    'counter',
    `Check runs ${window}, by check (a batch's run counted once).`,
    perCheck('runs'),
  );
  out.family(
    'hyperion_check_failures_total',
    'counter',
    `Failed check runs ${window}, by check.`,
    perCheck('failures'),
  );
  out.family(
    'hyperion_check_flakes_total',
    'counter',
    `Checks that failed, then passed on the same tree, ${window}, by check.`,
    perCheck('flakes'),
  );
  out.family(
    'hyperion_check_seconds_total',
    'counter',
    `Time check runs took ${window}, by check.`,
    perCheck('seconds'),
  );
  const seconds = (milliseconds: number | null) => (milliseconds === null ? null : milliseconds / 1000);
  out.family(
    'hyperion_landing_latency_seconds',
    'summary',
    'Time from submission to landing; the quantiles cover the recent landings (the window, or the last hour of a scrape).',
    [
      { labels: { quantile: '0.5' }, value: seconds(metrics.latency.p50Ms) },
      { labels: { quantile: '0.95' }, value: seconds(metrics.latency.p95Ms) },
      { suffix: '_sum', value: metrics.latency.sumMs / 1000 },
      { suffix: '_count', value: metrics.latency.count },
    ],
  );
  const gauge = (name: string, help: string, value: number | null) =>
    out.family(`hyperion_${name}`, 'gauge', help, [{ value }]);
  gauge('success_ratio', `Landed / (landed + quarantined + conflicted) ${window}.`, metrics.successRate);
  gauge(
    'conflict_ratio',
    `Conflicted / (landed + quarantined + conflicted) ${window}.`,
    metrics.conflictRate,
  );
  gauge('throughput_landed_per_hour', `Landings per hour ${window}.`, metrics.throughputPerHour);
  gauge('check_runs_per_landed', `Check runs per landed change ${window}.`, metrics.checks.runsPerLanded);
  if (extras.states !== undefined) {
    // Every state, 0 for one with no entry: a state whose series vanished would read "no data".
    const counts = extras.states;
    const states = [...QUEUE_STATES]
      .sort((left, right) => (left < right ? -1 : 1))
      .map((state) => [state, counts[state] ?? 0] as const);
    out.family(
      'hyperion_queue_entries',
      'gauge',
      'Queue entries in each state now.',
      states.map(([state, value]) => ({ labels: { state }, value })),
    );
  }
  return out.text();
}
