import { usePaint } from '../colors.js';
import { formatDuration, formatPercent, formatRate } from '../format.js';
import type { DashboardMetrics } from '../read-model/model.js';
import { Row, Section } from './section.js';

/** Props of {@link MetricsPane}. */
export interface MetricsPaneProps {
  /** The metrics to show. */
  metrics: DashboardMetrics;
  /** Outer width in columns. */
  width: number;
  /** Content rows (four lines are drawn; fewer are cut). */
  rows: number;
}

/**
 * Throughput, outcomes, success rate, submit-to-land latency (p50, p90) and recent check results,
 * in four lines of at most 38 columns (half of an 80-column terminal).
 */
export function MetricsPane({ metrics, width, rows }: MetricsPaneProps) {
  const paint = usePaint();
  const successColor =
    metrics.successRate === null
      ? 'gray'
      : metrics.successRate >= 0.9
        ? 'green'
        : metrics.successRate >= 0.6
          ? 'yellow'
          : 'red';
  const lines = [
    <Row key="throughput">{`landed ${metrics.landedTotal} · ${formatRate(metrics.landedPerMinuteLast10)} 10m · ${formatRate(metrics.landedPerMinuteLast60)} 1h`}</Row>,
    <Row key="success" color={paint(successColor)}>
      {`success ${formatPercent(metrics.successRate)} · quarantined ${metrics.quarantinedTotal}`}
    </Row>,
    <Row key="latency">{`conflicts ${metrics.conflictsTotal} · p50 ${formatDuration(metrics.latencyMedianMs)} · p90 ${formatDuration(metrics.latencyP90Ms)}`}</Row>,
    <Row key="checks" color={paint(metrics.recentCheckFailures > 0 ? 'yellow' : 'gray')}>
      {`checks failed ${metrics.recentCheckFailures} · flaked ${metrics.recentCheckFlakes} (30m)`}
    </Row>,
  ];
  return (
    <Section title="Metrics" width={width} rows={rows} color="green">
      {lines.slice(0, rows)}
    </Section>
  );
}
