import type { DashboardMetrics } from '../read-model/model.js';
import { formatDuration, formatPercent, formatRate } from '../format.js';
import { Line, Pane } from './pane.js';

/** Props of {@link MetricsPane}. */
export interface MetricsPaneProps {
  /** The metrics to show. */
  metrics: DashboardMetrics;
  /** Outer width in columns. */
  width: number;
  /** Outer height in rows. */
  height: number;
}

/** Throughput, outcomes, success rate, latency and recent check results. */
export function MetricsPane({ metrics, width, height }: MetricsPaneProps) {
  const successColor =
    metrics.successRate === null
      ? 'gray'
      : metrics.successRate >= 0.9
        ? 'green'
        : metrics.successRate >= 0.6
          ? 'yellow'
          : 'red';
  return (
    <Pane title="Metrics" width={width} height={height} color="green">
      <Line>{`landed ${formatRate(metrics.landedPerMinuteLast10)} 10m · ${formatRate(metrics.landedPerMinuteLast60)} 60m`}</Line>
      <Line>{`landed ${metrics.landedTotal} · conflicts ${metrics.conflictsTotal}`}</Line>
      <Line
        color={successColor}
      >{`success ${formatPercent(metrics.successRate)} · quarantined ${metrics.quarantinedTotal}`}</Line>
      <Line>{`latency p50 ${formatDuration(metrics.latencyMedianMs)} · p90 ${formatDuration(metrics.latencyP90Ms)}`}</Line>
      <Line color={metrics.recentCheckFailures > 0 ? 'yellow' : 'gray'}>
        {`checks failed ${metrics.recentCheckFailures} · flaked ${metrics.recentCheckFlakes} (30m)`}
      </Line>
    </Pane>
  );
}
