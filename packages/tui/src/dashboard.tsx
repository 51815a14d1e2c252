import { Box, Text } from 'ink';
import { printable } from '@hyperion/schema';
import { usePaint } from './colors.js';
import { formatClock, truncate } from './format.js';
import { computeLayout } from './layout.js';
import { firstRows, type FocusablePane, type Selections } from './navigation.js';
import { AgentsPane } from './panes/agents-pane.js';
import { AlertsPane } from './panes/alerts-pane.js';
import { GuidancePane } from './panes/guidance-pane.js';
import { HistoryPane } from './panes/history-pane.js';
import { MetricsPane } from './panes/metrics-pane.js';
import { QueuePane } from './panes/queue-pane.js';
import { WorkersPane } from './panes/workers-pane.js';
import type { DashboardModel } from './read-model/model.js';

/** The help line: every key, short enough for 80 columns. */
export const HELP_LINE = 'Tab pane ↑↓/jk move ⏎ open a approve x reject r retry p pause ? help q quit';

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
  /** The pane Tab has moved to. */
  focus?: FocusablePane;
  /** The selected row of each pane. */
  selections?: Selections;
  /** Shown in the footer in place of the help line: a prompt (`approve X? y/n`) or an action's result. */
  footer?: string | null;
}

/** The header: the title, the entry counts that matter at a glance, the queue's switches and the time. */
export function DashboardHeader({
  model,
  title,
  width = 200,
}: {
  model: DashboardModel;
  title?: string;
  width?: number;
}) {
  const paint = usePaint();
  const { counts } = model;
  const failed = counts.quarantined + counts.conflicted + counts.rejected;
  const switches = model.controls.draining ? ' · DRAINING' : model.controls.paused ? ' · PAUSED' : '';
  const titleRoom = Math.max(8, width - 72);
  return (
    <Text wrap="truncate-end">
      <Text bold color={paint('cyan')}>
        {`Hyperion${title === undefined ? '' : ` ▸ ${truncate(title, titleRoom)}`}`}
      </Text>
      {`  queued ${counts.queued} · approval ${counts.awaiting_approval} · running ${counts.running} · `}
      <Text color={paint('green')}>{`landed ${counts.landed}`}</Text>
      {' · '}
      <Text color={paint(failed > 0 ? 'red' : undefined)}>{`failed ${failed}`}</Text>
      <Text color={paint('yellow')} bold>
        {switches}
      </Text>
      {width >= 90 ? <Text dimColor>{` · ${formatClock(model.now)}`}</Text> : null}
    </Text>
  );
}

/** The whole multi-pane dashboard for one model snapshot. */
export function Dashboard({
  model,
  width,
  height,
  title,
  error = null,
  focus = 'queue',
  selections = firstRows(),
  footer = null,
}: DashboardProps) {
  const paint = usePaint();
  const layout = computeLayout(width, height);
  const at = (pane: FocusablePane) => ({ focused: focus === pane, selected: selections[pane] });
  const bottom =
    footer !== null ? (
      <Text wrap="truncate-end" bold color={paint('yellow')}>
        {printable(footer)}
      </Text>
    ) : error !== null ? (
      <Text wrap="truncate-end" color={paint('red')}>
        {`refresh failed: ${printable(error)} · ${HELP_LINE}`}
      </Text>
    ) : (
      <Text wrap="truncate-end" dimColor>
        {HELP_LINE}
      </Text>
    );
  return (
    <Box flexDirection="column" width={layout.width} height={height} overflow="hidden">
      <DashboardHeader model={model} width={layout.width} {...(title === undefined ? {} : { title })} />
      <QueuePane entries={model.entries} counts={model.counts} {...layout.queue} {...at('queue')} />
      <Box>
        <WorkersPane workers={model.workers} {...layout.workers} {...at('workers')} />
        <AgentsPane agents={model.agents} {...layout.agents} {...at('agents')} />
      </Box>
      <HistoryPane requests={model.requests} {...layout.history} {...at('history')} />
      <Box>
        <MetricsPane metrics={model.metrics} {...layout.metrics} />
        <AlertsPane alerts={model.alerts} {...layout.alerts} {...at('alerts')} />
      </Box>
      <GuidancePane guidance={model.guidance} {...layout.guidance} />
      {bottom}
    </Box>
  );
}
