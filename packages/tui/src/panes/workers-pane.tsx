import { Text } from 'ink';
import type { DashboardWorker } from '../read-model/model.js';
import { cell, formatDuration } from '../format.js';
import { contentColumns, contentRows, Line, Pane } from './pane.js';
import { visibleRows } from './visible-rows.js';

/** Props of {@link WorkersPane}. */
export interface WorkersPaneProps {
  /** Workers to list. */
  workers: readonly DashboardWorker[];
  /** Outer width in columns. */
  width: number;
  /** Outer height in rows. */
  height: number;
}

const STATUS_COLORS: Record<DashboardWorker['status'], string> = {
  busy: 'cyan',
  stalled: 'yellow',
  idle: 'gray',
};

/** Workers: status, the entry each holds, and its last activity. */
export function WorkersPane({ workers, width, height }: WorkersPaneProps) {
  const nameWidth = Math.min(20, Math.max(8, Math.floor(contentColumns(width) / 3)));
  const { shown, hidden } = visibleRows(workers, contentRows(height));
  const busy = workers.filter((worker) => worker.status === 'busy').length;
  return (
    <Pane title={`Workers (${busy} busy / ${workers.length})`} width={width} height={height} color="cyan">
      {workers.length === 0 ? <Line dim>no worker seen in the last hour</Line> : null}
      {shown.map((worker) => (
        <Line key={worker.name}>
          <Text
            color={STATUS_COLORS[worker.status]}
          >{`● ${cell(worker.name, nameWidth)} ${cell(worker.status, 7)}`}</Text>
          {` ${worker.currentEntryId ?? '—'}`}
          <Text dimColor>
            {worker.lastEventType === null
              ? ''
              : ` ${worker.lastEventType} ${formatDuration(worker.idleMs)} ago`}
          </Text>
        </Line>
      ))}
      {hidden > 0 ? <Line dim>{`… ${hidden} more`}</Line> : null}
    </Pane>
  );
}
