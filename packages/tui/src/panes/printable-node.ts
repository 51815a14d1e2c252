import { printable } from '@hyperion/schema';
import { Children, cloneElement, isValidElement, type ReactNode } from 'react';

/**
 * `node` with every string inside it — nested `<Text>` children included — passed through
 * `printable`, so stored text (summaries, reasons, ids, names) can never put a terminal control
 * sequence on the dashboard: ESC is drawn as the visible text `\x1b`, a newline as `\n`.
 */
export function printableNode(node: ReactNode): ReactNode {
  if (typeof node === 'string') return printable(node);
  if (Array.isArray(node)) return Children.map(node, printableNode);
  if (isValidElement<{ children?: ReactNode }>(node) && node.props.children !== undefined) {
    return cloneElement(node, undefined, printableChildren(node.props.children));
  }
  return node;
}

/** {@link printableNode} over a `children` prop, keeping a single child single. */
export function printableChildren(children: ReactNode): ReactNode {
  return Array.isArray(children) ? Children.map(children, printableNode) : printableNode(children);
}
