import { Box, Text } from 'ink';
import { printable } from '@hyperion/schema';
import { usePaint } from './colors.js';
import type { EntryDetail } from './read-model/entry-detail.js';
import { STATE_COLORS } from './state-colors.js';

/** One line of the entry view: a section heading or a line of its content. */
export interface DetailLine {
  /** The text, as stored. */
  text: string;
  /** True for a section heading. */
  heading: boolean;
}

/** The entry's sections as one list of lines (what the view scrolls through). */
export function detailLines(detail: EntryDetail): DetailLine[] {
  const lines: DetailLine[] = [];
  for (const section of detail.sections) {
    lines.push({ text: section.title, heading: true });
    for (const text of section.lines) lines.push({ text, heading: false });
  }
  return lines;
}

/** Rows the entry view has for content at terminal height `height` (title and footer take two). */
export function detailRows(height: number): number {
  return Math.max(1, height - 2);
}

/** Props of {@link EntryView}. */
export interface EntryViewProps {
  /** The entry to show; undefined while it loads; null when it does not exist. */
  detail: EntryDetail | null | undefined;
  /** The id asked for. */
  id: string;
  /** Terminal columns. */
  width: number;
  /** Terminal rows to fill. */
  height: number;
  /** The first content line shown. */
  scroll: number;
  /** A prompt or an action's result, in place of the key line. */
  footer?: string | null;
}

/** What Enter opens: the entry's facts, events, check output, conflict report and patch, scrollable. */
export function EntryView({ detail, id, width, height, scroll, footer = null }: EntryViewProps) {
  const paint = usePaint();
  const rows = detailRows(height);
  const lines = detail === undefined || detail === null ? [] : detailLines(detail);
  const start = Math.max(0, Math.min(scroll, Math.max(0, lines.length - rows)));
  const shown = lines.slice(start, start + rows);
  const position = lines.length > rows ? ` ${start + 1}–${start + shown.length}/${lines.length}` : '';
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text wrap="truncate-end" bold>
        {`Entry ${printable(id)}`}
        {detail === undefined || detail === null ? null : (
          <Text color={paint(STATE_COLORS[detail.state])}>{` ${detail.state}`}</Text>
        )}
        {detail === undefined || detail === null ? null : (
          <Text bold={false}>{` ${printable(detail.summary)}`}</Text>
        )}
        <Text dimColor bold={false}>
          {position}
        </Text>
      </Text>
      <Box flexDirection="column" height={rows} overflow="hidden">
        {detail === undefined ? <Text dimColor>loading…</Text> : null}
        {detail === null ? <Text color={paint('red')}>{`no entry ${printable(id)}`}</Text> : null}
        {shown.map((line, index) =>
          line.heading ? (
            <Text key={start + index} wrap="truncate-end" bold color={paint('cyan')}>
              {`── ${printable(line.text)}`}
            </Text>
          ) : (
            <Text key={start + index} wrap="truncate-end">
              {` ${printable(line.text)}`}
            </Text>
          ),
        )}
      </Box>
      <Text
        wrap="truncate-end"
        bold={footer !== null}
        dimColor={footer === null}
        color={paint(footer === null ? undefined : 'yellow')}
      >
        {footer === null
          ? '↑↓/jk scroll PgUp/PgDn page a approve x reject r retry Esc back q quit'
          : printable(footer)}
      </Text>
    </Box>
  );
}
