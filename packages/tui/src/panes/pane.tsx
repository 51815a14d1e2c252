import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { printable } from '@hyperion/schema';
import { printableChildren } from './printable-node.js';

/** Props of {@link Pane}. */
export interface PaneProps {
  /** Shown in bold on the first line. */
  title: string;
  /** Outer width in columns, border included. */
  width: number;
  /** Outer height in rows, border included. */
  height: number;
  /** Border color. */
  color?: string;
  /** The pane's lines. */
  children?: ReactNode;
}

/** Rows a pane of `height` has for content: the border takes two and the title one. */
export function contentRows(height: number): number {
  return Math.max(0, height - 3);
}

/** Columns a pane of `width` has for content: the border and padding take four. */
export function contentColumns(width: number): number {
  return Math.max(1, width - 4);
}

/**
 * A bordered, fixed-size box with a title; content that does not fit is cut, never wrapped. The
 * title's control characters are drawn as visible text.
 */
export function Pane({ title, width, height, color = 'gray', children }: PaneProps) {
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="round"
      borderColor={color}
      paddingX={1}
      overflow="hidden"
    >
      <Text bold wrap="truncate-end">
        {printable(title)}
      </Text>
      {children}
    </Box>
  );
}

/**
 * One line of pane content, cut at the pane's edge. Every string in it, nested ones included, is
 * shown with its control characters as visible text (see `printable`): panes print stored text.
 */
export function Line({ color, dim, children }: { color?: string; dim?: boolean; children?: ReactNode }) {
  return (
    <Text wrap="truncate-end" {...(color === undefined ? {} : { color })} dimColor={dim ?? false}>
      {printableChildren(children)}
    </Text>
  );
}
