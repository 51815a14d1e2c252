export { startDashboard, type StartDashboardOptions, type DashboardHandle } from './start-dashboard.js';
export {
  readDashboard,
  type ReadDashboardOptions,
  type DashboardModel,
  type DashboardEntry,
  type DashboardWorker,
  type DashboardRequest,
  type DashboardMetrics,
  type DashboardAlert,
  type RequestOutcomes,
} from './read-model.js';
export { createEventFeed, type EventFeed } from './read-model/event-feed.js';
export { Dashboard, DashboardHeader, type DashboardProps } from './dashboard.js';
export { DashboardApp, type DashboardAppProps } from './dashboard-app.js';
export { useLiveModel, type DashboardSource, type LiveModel } from './use-live-model.js';
export { QueuePane, type QueuePaneProps } from './panes/queue-pane.js';
export { WorkersPane, type WorkersPaneProps } from './panes/workers-pane.js';
export { RequestsPane, type RequestsPaneProps } from './panes/requests-pane.js';
export { MetricsPane, type MetricsPaneProps } from './panes/metrics-pane.js';
export { AlertsPane, type AlertsPaneProps } from './panes/alerts-pane.js';
export { Pane, type PaneProps } from './panes/pane.js';
export { computeLayout, type DashboardLayout, type PaneSize } from './layout.js';
