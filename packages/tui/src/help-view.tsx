import { Box, Text } from 'ink';
import { printable } from '@hyperion/schema';
import { usePaint } from './colors.js';

/** Every key the dashboard knows, with what it does. */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['Tab / Shift-Tab', 'next / previous pane (queue, workers, agents, history, alerts)'],
  ['↑ ↓  j k', 'move the selection within the pane'],
  ['PgUp PgDn  g G', 'a page up or down, first or last row'],
  ['Enter', 'open the selected entry: events, check output, conflict report, patch'],
  ['Esc', 'back (closes the entry, this help, or a question)'],
  ['a', 'approve the selected entry (asks y to confirm)'],
  ['x', 'reject the selected entry: type why, then Enter (Esc cancels)'],
  ['r', 'retry the selected quarantined or conflicted entry (asks y)'],
  ['p', 'pause or resume the queue (asks y)'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit (workers elsewhere keep running)'],
];

/** The `?` screen. */
export function HelpView({ width, height, actor }: { width: number; height: number; actor?: string }) {
  const paint = usePaint();
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold color={paint('cyan')}>
        Hyperion dashboard keys
      </Text>
      {KEY_HELP.map(([keys, what]) => (
        <Text key={keys} wrap="truncate-end">
          <Text bold>{keys.padEnd(16)}</Text>
          {what}
        </Text>
      ))}
      {actor === undefined ? null : (
        <Text
          wrap="truncate-end"
          dimColor
        >{`actions are recorded as done by ${printable(actor)} (HYPERION_USER or the OS user)`}</Text>
      )}
      <Text dimColor>Esc or ? to go back</Text>
    </Box>
  );
}
