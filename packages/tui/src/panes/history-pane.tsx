import { Text } from 'ink';
import { usePaint } from '../colors.js';
import { cell } from '../format.js';
import type { DashboardRequest } from '../read-model/model.js';
import { listWindow, windowPosition } from './list-window.js';
import { positionProp } from './queue-pane.js';
import { Row, Section } from './section.js';

/** Props of {@link HistoryPane}. */
export interface HistoryPaneProps {
  /** Requests, newest first. */
  requests: readonly DashboardRequest[];
  /** Outer width in columns. */
  width: number;
  /** Content rows. */
  rows: number;
  /** Whether Tab has moved here. */
  focused?: boolean;
  /** Index of the selected request. */
  selected?: number;
}

const STATUS_COLORS: Record<DashboardRequest['status'], string> = {
  received: 'white',
  dispatched: 'cyan',
  enqueued: 'blue',
  partial: 'magenta',
  failed: 'red',
  blocked: 'yellow',
};

/** Task history: the last requests, their status, and how their entries ended (✓ landed, … pending, ✗ failed). */
export function HistoryPane({ requests, width, rows, focused = false, selected = 0 }: HistoryPaneProps) {
  const paint = usePaint();
  const idWidth = Math.min(20, Math.max(8, Math.floor((width - 2) / 5)));
  const window = listWindow(requests.length, selected, rows);
  return (
    <Section
      title={`Task history (last ${requests.length})`}
      {...positionProp(windowPosition(window, requests.length))}
      width={width}
      rows={rows}
      focused={focused}
      color="magenta"
    >
      {requests.length === 0 && rows > 0 ? <Row dim>no requests yet</Row> : null}
      {requests.slice(window.start, window.end).map((request, offset) => (
        <Row key={request.id} selected={window.start + offset === selected} focused={focused}>
          {`${cell(request.id, idWidth)} `}
          <Text color={paint(STATUS_COLORS[request.status])}>{cell(request.status, 10)}</Text>
          {` ${cell(`${request.assignments} tasks`, 8)} `}
          <Text color={paint('green')}>{`✓${request.outcomes.landed}`}</Text>
          {` …${request.outcomes.pending} `}
          <Text
            color={paint(request.outcomes.failed > 0 ? 'red' : 'gray')}
          >{`✗${request.outcomes.failed}`}</Text>
          {` ${request.error ?? request.summary}`}
        </Row>
      ))}
    </Section>
  );
}
