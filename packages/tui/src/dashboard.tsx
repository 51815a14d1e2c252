import { Box, Text } from 'ink';
import { printable } from '@hyperion/schema';
import type { DashboardModel } from './read-model/model.js';
import { formatClock } from './format.js';
import { computeLayout } from './layout.js';
import { AlertsPane } from './panes/alerts-pane.js';
import { MetricsPane } from './panes/metrics-pane.js';
import { QueuePane } from './panes/queue-pane.js';
import { RequestsPane } from './panes/requests-pane.js';
import { WorkersPane } from './panes/workers-pane.js';

/** Props of {@link Dashboard}. */
export interface DashboardProps {
  /** The snapshot to show. */
  model: DashboardModel;
  /** Terminal columns to fill. */
  width: number;
  /** Terminal rows to fill (keep one less than the terminal so ink never clears the screen). */
  height: number;
  /** Shown after the product name. */
  title?: string;
  /** The last refresh error, shown in the footer while the previous model stays on screen. */
  error?: string | null;
}

/** The header: the title and the entry counts that matter at a glance. */
export function DashboardHeader({ model, title }: { model: DashboardModel; title?: string }) {
  const { counts } = model;
  const failed = counts.quarantined + counts.conflicted + counts.rejected;
  return (
    <Text wrap="truncate-end">
      <Text bold color="cyan">{`Hyperion${title === undefined ? '' : ` ▸ ${printable(title)}`}`}</Text>
      {`  queued ${counts.queued} · approval ${counts.awaiting_approval} · running ${counts.running} · `}
      <Text color="green">{`landed ${counts.landed}`}</Text>
      {' · '}
      <Text color={failed > 0 ? 'red' : undefined}>{`failed ${failed}`}</Text>
    </Text>
  );
}

/** The whole multi-pane dashboard for one model snapshot. */
export function Dashboard({ model, width, height, title, error = null }: DashboardProps) {
  const layout = computeLayout(width, height);
  const queue = <QueuePane entries={model.entries} {...layout.queue} />;
  const workers = <WorkersPane workers={model.workers} {...layout.workers} />;
  const requests = <RequestsPane requests={model.requests} {...layout.requests} />;
  const metrics = <MetricsPane metrics={model.metrics} {...layout.metrics} />;
  const alerts = <AlertsPane alerts={model.alerts} guidance={model.guidance} {...layout.alerts} />;
  return (
    <Box flexDirection="column" width={layout.alerts.width}>
      <DashboardHeader model={model} {...(title === undefined ? {} : { title })} />
      {layout.mode === 'wide' ? (
        <>
          <Box>
            {queue}
            {workers}
          </Box>
          <Box>
            {requests}
            {metrics}
          </Box>
        </>
      ) : (
        <>
          {queue}
          {workers}
          {requests}
          {metrics}
        </>
      )}
      {alerts}
      <Text wrap="truncate-end" dimColor={error === null} color={error === null ? undefined : 'red'}>
        {error === null
          ? `updated ${formatClock(model.now)} · q quit`
          : `refresh failed: ${printable(error)} · q quit`}
      </Text>
    </Box>
  );
}
