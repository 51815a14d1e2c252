import { Text } from 'ink';
import type { QueueState } from '@hyperion/schema';
import { usePaint } from '../colors.js';
import { cell, formatDuration } from '../format.js';
import type { DashboardEntry } from '../read-model/model.js';
import { STATE_COLORS, STATE_LABELS } from '../state-colors.js';
import { listWindow, windowPosition } from './list-window.js';
import { Row, Section } from './section.js';

/** Props of {@link QueuePane}. */
export interface QueuePaneProps {
  /** Entries to list, in display order (awaiting approval first). */
  entries: readonly DashboardEntry[];
  /** Totals by state, for the title (the list may be a page of a longer queue). */
  counts?: Partial<Record<QueueState, number>>;
  /** Outer width in columns. */
  width: number;
  /** Content rows. */
  rows: number;
  /** Whether Tab has moved here. */
  focused?: boolean;
  /** Index of the selected entry. */
  selected?: number;
}

function queueTitle(entries: readonly DashboardEntry[], counts: QueuePaneProps['counts']): string {
  if (counts === undefined) return `Queue (${entries.length})`;
  const parts = [
    ['approval', counts.awaiting_approval ?? 0],
    ['running', counts.running ?? 0],
    ['queued', counts.queued ?? 0],
  ] as const;
  return `Queue: ${parts.map(([label, count]) => `${count.toLocaleString('en-US')} ${label}`).join(' · ')}`;
}

/** The merge queue: state, id, attempts, age, and who runs it or what it changes. */
export function QueuePane({ entries, counts, width, rows, focused = false, selected = 0 }: QueuePaneProps) {
  const paint = usePaint();
  const columns = Math.max(1, width - 2);
  // Change ids (`chg-` and 12 hex digits) fit whole at 80 columns.
  const idWidth = Math.min(24, Math.max(16, Math.floor(columns / 5)));
  const window = listWindow(entries.length, selected, rows);
  return (
    <Section
      title={queueTitle(entries, counts)}
      {...positionProp(windowPosition(window, entries.length))}
      width={width}
      rows={rows}
      focused={focused}
      color="blue"
    >
      {entries.length === 0 && rows > 0 ? <Row dim>no entries</Row> : null}
      {entries.slice(window.start, window.end).map((entry, offset) => (
        <Row key={entry.id} selected={window.start + offset === selected} focused={focused}>
          <Text color={paint(STATE_COLORS[entry.state])}>{cell(STATE_LABELS[entry.state], 10)}</Text>
          {` ${cell(entry.id, idWidth)} ${cell(`${entry.attempts}/${entry.maxAttempts}`, 4)} ${cell(formatDuration(entry.ageMs), 7)} `}
          {entry.leaseOwner === null ? entry.summary : `[${entry.leaseOwner}] ${entry.summary}`}
        </Row>
      ))}
    </Section>
  );
}

/** `{ position }` when there is one (for exactOptionalPropertyTypes). */
export function positionProp(position: string | undefined): { position?: string } {
  return position === undefined ? {} : { position };
}
