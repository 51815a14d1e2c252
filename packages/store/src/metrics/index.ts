export { percentile } from './percentile.js';
export { checkShare } from './check-share.js';
export {
  QueueMetricsAccumulator,
  computeQueueMetrics,
  type MetricsSnapshotOptions,
} from './metrics-accumulator.js';
export {
  readQueueMetrics,
  resolvePendingSubmissions,
  QueueMetricsFollower,
  type ReadQueueMetricsOptions,
  type QueueMetricsFollowerOptions,
} from './read-queue-metrics.js';
export type { QueueMetrics, CheckMetrics, NamedCheckMetrics, LatencyMetrics } from './queue-metrics.js';
