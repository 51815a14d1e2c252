import { Text } from 'ink';
import { usePaint } from '../colors.js';
import { cell, formatDuration } from '../format.js';
import type { DashboardWorker } from '../read-model/model.js';
import { listWindow, windowPosition } from './list-window.js';
import { positionProp } from './queue-pane.js';
import { Row, Section } from './section.js';

/** Props of {@link WorkersPane}. */
export interface WorkersPaneProps {
  /** Workers to list. */
  workers: readonly DashboardWorker[];
  /** Outer width in columns. */
  width: number;
  /** Content rows. */
  rows: number;
  /** Whether Tab has moved here. */
  focused?: boolean;
  /** Index of the selected worker. */
  selected?: number;
}

const STATUS_COLORS: Record<DashboardWorker['status'], string> = {
  busy: 'cyan',
  stalled: 'yellow',
  idle: 'gray',
};

/** `entry:applied` → `applied`, `check:passed` → `check passed`. */
function stepLabel(step: string | null): string {
  if (step === null) return '—';
  return step.startsWith('entry:') ? step.slice('entry:'.length) : step.replace(':', ' ');
}

function leaseLabel(worker: DashboardWorker): string {
  const beat = worker.heartbeatAgeMs === null ? '' : ` beat ${formatDuration(worker.heartbeatAgeMs)}`;
  if (worker.leaseExpiresInMs === null) return beat;
  return worker.leaseExpiresInMs < 0
    ? ` lease expired${beat}`
    : ` lease ${formatDuration(worker.leaseExpiresInMs)}${beat}`;
}

/** Workers: status, the entry each holds and its step, lease left and heartbeat age. */
export function WorkersPane({ workers, width, rows, focused = false, selected = 0 }: WorkersPaneProps) {
  const paint = usePaint();
  const nameWidth = Math.min(16, Math.max(6, Math.floor((width - 2) / 4)));
  const window = listWindow(workers.length, selected, rows);
  const busy = workers.filter((worker) => worker.status === 'busy').length;
  return (
    <Section
      title={`Workers (${busy} busy / ${workers.length})`}
      {...positionProp(windowPosition(window, workers.length))}
      width={width}
      rows={rows}
      focused={focused}
      color="cyan"
    >
      {workers.length === 0 && rows > 0 ? <Row dim>no worker in the last hour</Row> : null}
      {workers.slice(window.start, window.end).map((worker, offset) => (
        <Row key={worker.name} selected={window.start + offset === selected} focused={focused}>
          <Text color={paint(STATUS_COLORS[worker.status])}>{`${cell(worker.name, nameWidth)} `}</Text>
          {worker.currentEntryId === null
            ? `idle${worker.idleMs === null ? '' : ` ${formatDuration(worker.idleMs)}`}`
            : `${worker.currentEntryId} ${stepLabel(worker.step)}${leaseLabel(worker)}`}
        </Row>
      ))}
    </Section>
  );
}
