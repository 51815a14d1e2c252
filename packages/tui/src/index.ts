/**
 * The Hyperion terminal dashboard (ink) over a read model of the store.
 *
 * @packageDocumentation
 * @module @hyperion/tui
 */
export { startDashboard, type StartDashboardOptions, type DashboardHandle } from './start-dashboard.js';
export {
  readDashboard,
  type ReadDashboardOptions,
  type DashboardModel,
  type DashboardEntry,
  type DashboardWorker,
  type DashboardAgent,
  type DashboardRequest,
  type DashboardMetrics,
  type DashboardAlert,
  type RequestOutcomes,
} from './read-model.js';
export { computeMetrics, landingLatencies, percentile } from './read-model/metrics.js';
export { loadEntryDetail, type EntryDetail, type DetailSection } from './read-model/entry-detail.js';
export { createEventFeed, type EventFeed } from './read-model/event-feed.js';
export type { DashboardActions } from './actions.js';
export { Dashboard, DashboardHeader, HELP_LINE, type DashboardProps } from './dashboard.js';
export { DashboardApp, type DashboardAppProps } from './dashboard-app.js';
export { EntryView, type EntryViewProps } from './entry-view.js';
export { KEY_HELP } from './help-view.js';
export { colorsWanted } from './colors.js';
export { useLiveModel, type DashboardSource, type LiveModel } from './use-live-model.js';
export { QueuePane, type QueuePaneProps } from './panes/queue-pane.js';
export { WorkersPane, type WorkersPaneProps } from './panes/workers-pane.js';
export { AgentsPane, type AgentsPaneProps } from './panes/agents-pane.js';
export { HistoryPane, type HistoryPaneProps } from './panes/history-pane.js';
export { MetricsPane, type MetricsPaneProps } from './panes/metrics-pane.js';
export { AlertsPane, type AlertsPaneProps } from './panes/alerts-pane.js';
export { GuidancePane, type GuidancePaneProps } from './panes/guidance-pane.js';
export { Section, Row, type SectionProps, type RowProps } from './panes/section.js';
export { computeLayout, type DashboardLayout, type PaneSize } from './layout.js';
