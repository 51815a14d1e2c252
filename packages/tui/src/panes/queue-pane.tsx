import { Text } from 'ink';
import type { DashboardEntry } from '../read-model/model.js';
import { cell, formatDuration } from '../format.js';
import { STATE_COLORS, STATE_LABELS } from '../state-colors.js';
import { contentColumns, contentRows, Line, Pane } from './pane.js';
import { visibleRows } from './visible-rows.js';

/** Props of {@link QueuePane}. */
export interface QueuePaneProps {
  /** Entries to list, in display order. */
  entries: readonly DashboardEntry[];
  /** Outer width in columns. */
  width: number;
  /** Outer height in rows. */
  height: number;
}

/** The merge queue: state, id, attempts, age, and who runs it or what it changes. */
export function QueuePane({ entries, width, height }: QueuePaneProps) {
  const columns = contentColumns(width);
  const idWidth = Math.min(24, Math.max(8, Math.floor(columns / 4)));
  const { shown, hidden } = visibleRows(entries, contentRows(height));
  return (
    <Pane title={`Queue (${entries.length})`} width={width} height={height} color="blue">
      {entries.length === 0 ? <Line dim>no entries</Line> : null}
      {shown.map((entry) => (
        <Line key={entry.id}>
          <Text color={STATE_COLORS[entry.state]}>{cell(STATE_LABELS[entry.state], 10)}</Text>
          {` ${cell(entry.id, idWidth)} ${cell(`${entry.attempts}/${entry.maxAttempts}`, 4)} ${cell(formatDuration(entry.ageMs), 7)} `}
          {entry.leaseOwner === null ? entry.summary : `[${entry.leaseOwner}] ${entry.summary}`}
        </Line>
      ))}
      {hidden > 0 ? <Line dim>{`… ${hidden} more`}</Line> : null}
    </Pane>
  );
}
