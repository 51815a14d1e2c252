import { Text } from 'ink';
import type { DashboardRequest } from '../read-model/model.js';
import { cell } from '../format.js';
import { contentColumns, contentRows, Line, Pane } from './pane.js';
import { visibleRows } from './visible-rows.js';

/** Props of {@link RequestsPane}. */
export interface RequestsPaneProps {
  /** Requests, newest first. */
  requests: readonly DashboardRequest[];
  /** Outer width in columns. */
  width: number;
  /** Outer height in rows. */
  height: number;
}

const STATUS_COLORS: Record<DashboardRequest['status'], string> = {
  received: 'white',
  dispatched: 'cyan',
  enqueued: 'blue',
  failed: 'red',
  blocked: 'yellow',
};

/** Task requests: status, assignments, and how their entries ended (✓ landed, … pending, ✗ failed). */
export function RequestsPane({ requests, width, height }: RequestsPaneProps) {
  const idWidth = Math.min(24, Math.max(8, Math.floor(contentColumns(width) / 4)));
  const { shown, hidden } = visibleRows(requests, contentRows(height));
  return (
    <Pane title={`Requests (last ${requests.length})`} width={width} height={height} color="magenta">
      {requests.length === 0 ? <Line dim>no requests yet</Line> : null}
      {shown.map((request) => (
        <Line key={request.id}>
          {`${cell(request.id, idWidth)} `}
          <Text color={STATUS_COLORS[request.status]}>{cell(request.status, 10)}</Text>
          {` ${cell(`${request.assignments} tasks`, 8)} `}
          <Text color="green">{`✓${request.outcomes.landed}`}</Text>
          {` …${request.outcomes.pending} `}
          <Text color={request.outcomes.failed > 0 ? 'red' : 'gray'}>{`✗${request.outcomes.failed}`}</Text>
          {` ${request.error ?? request.summary}`}
        </Line>
      ))}
      {hidden > 0 ? <Line dim>{`… ${hidden} more`}</Line> : null}
    </Pane>
  );
}
