import type { Key } from 'ink';

/** What a key press asks for. */
export type KeyCommand =
  | 'quit'
  | 'next-pane'
  | 'previous-pane'
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'first'
  | 'last'
  | 'open'
  | 'back'
  | 'approve'
  | 'reject'
  | 'retry'
  | 'pause'
  | 'help'
  | 'confirm';

/** The command of one key press, or undefined for keys the dashboard ignores. */
export function keyCommand(input: string, key: Key): KeyCommand | undefined {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.tab) return key.shift ? 'previous-pane' : 'next-pane';
  if (key.upArrow || input === 'k') return 'up';
  if (key.downArrow || input === 'j') return 'down';
  if (key.pageUp) return 'page-up';
  if (key.pageDown) return 'page-down';
  if (key.return) return 'open';
  if (key.escape) return 'back';
  switch (input) {
    case 'q':
      return 'quit';
    case 'g':
      return 'first';
    case 'G':
      return 'last';
    case 'a':
      return 'approve';
    case 'x':
      return 'reject';
    case 'r':
      return 'retry';
    case 'p':
      return 'pause';
    case '?':
      return 'help';
    case 'y':
    case 'Y':
      return 'confirm';
    default:
      return undefined;
  }
}
