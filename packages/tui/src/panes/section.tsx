import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { printable } from '@hyperion/schema';
import { usePaint } from '../colors.js';
import { printableChildren } from './printable-node.js';

/** Props of {@link Section}. */
export interface SectionProps {
  /** The pane's name and counts, shown on its title line. */
  title: string;
  /** Shown at the right end of the title line (a scroll position). */
  position?: string;
  /** Outer width in columns. */
  width: number;
  /** Content rows below the title line. */
  rows: number;
  /** The pane Tab has moved to: its title is drawn bold and marked `▸`. */
  focused?: boolean;
  /** Title color. */
  color?: string;
  /** The pane's lines (at most `rows`). */
  children?: ReactNode;
}

/**
 * A pane: one title line (`▸ Queue (6) ─────── 1–6/9`) and a fixed number of content rows; what
 * does not fit is cut, never wrapped, so panes never push each other off the screen.
 */
export function Section({ title, position, width, rows, focused = false, color, children }: SectionProps) {
  const paint = usePaint();
  const head = `${focused ? '▸' : ' '} ${printable(title)} `;
  const tail = position === undefined ? '' : ` ${printable(position)} `;
  const fill = '─'.repeat(Math.max(0, width - 1 - head.length - tail.length));
  return (
    <Box flexDirection="column" width={width} height={rows + 1} overflow="hidden" paddingRight={1}>
      <Text wrap="truncate-end">
        <Text bold={focused} inverse={focused} color={paint(color)}>
          {head}
        </Text>
        <Text dimColor>{fill}</Text>
        <Text dimColor>{tail}</Text>
      </Text>
      {children}
    </Box>
  );
}

/** Props of {@link Row}. */
export interface RowProps {
  /** The selected row of the pane: marked `›`, and drawn in inverse video when the pane is focused. */
  selected?: boolean;
  /** Whether the pane is focused. */
  focused?: boolean;
  /** Text color. */
  color?: string;
  /** Dimmed text. */
  dim?: boolean;
  /** The row's text: every string in it is stored text, drawn with `printable`. */
  children?: ReactNode;
}

/**
 * One line of a pane, cut at its edge. The selected row starts with `›` (visible without color)
 * and is drawn in inverse video while its pane is focused. Control characters in every nested
 * string are shown as visible text (see `printable`): panes print stored text.
 */
export function Row({ selected = false, focused = false, color, dim = false, children }: RowProps) {
  const paint = usePaint();
  return (
    <Text wrap="truncate-end" color={paint(color)} dimColor={dim} inverse={selected && focused}>
      {selected ? '›' : ' '}
      {printableChildren(children)}
    </Text>
  );
}
