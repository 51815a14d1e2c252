import { printable, printableBlock } from '@hyperion/schema';

/*
 * Stored text (summaries, reasons, ids, check output) is written by submitters and agents: in a
 * Markdown report it must neither act on the terminal nor make Markdown of its own — close a code
 * fence, forge a heading, a list item, a link or an HTML tag. Single-line text has its control
 * characters (newlines included) shown as visible text, so it can never start a line of its own,
 * and its inline Markdown characters backslash-escaped; blocks go into a fence longer than any
 * run of backticks inside them.
 */

/** ASCII punctuation that inline Markdown (CommonMark, GFM) gives a meaning to. */
const INLINE_MARKDOWN = /[\\`*_[\]<>|~&!#]/g;

/**
 * `text` for the middle of a Markdown line: control characters visible (a newline is `\n`), every
 * character inline Markdown acts on backslash-escaped. It reads as written, rendered or not.
 */
export function markdownText(text: string): string {
  // Escaped before the control characters are made visible: the `\x1b` and `\n` that `printable`
  // writes are a backslash before a letter, which Markdown shows as it is.
  return printable(text.replace(INLINE_MARKDOWN, '\\$&'));
}

function longestRun(text: string, character: string): number {
  let longest = 0;
  let current = 0;
  for (const each of text) {
    current = each === character ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

/**
 * `text` as an inline code span (an id, a path, a commit): control characters visible, delimited
 * by more backticks than any run inside it, so it cannot end early.
 */
export function markdownCode(text: string): string {
  const shown = printable(text);
  const fence = '`'.repeat(longestRun(shown, '`') + 1);
  const padding = shown.startsWith('`') || shown.endsWith('`') || shown === '' ? ' ' : '';
  return `${fence}${padding}${shown}${padding}${fence}`;
}

/**
 * `text` as a fenced code block (lines): control characters other than newline and tab visible,
 * the fence longer than any run of backticks inside, so no line of `text` can close it.
 */
export function markdownFence(text: string, info = 'text'): string[] {
  const shown = printableBlock(text).replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(shown, '`') + 1));
  return [`${fence}${info}`, ...shown.split('\n'), fence];
}

/**
 * {@link markdownText} for text that starts a line of its own (a request's summary): besides, its
 * leading spaces dropped (four would start a code block) and a leading `-`, `+`, `=` or `1.`/`1)`
 * escaped, so it cannot start a list item, a rule, a setext heading or an indented code block.
 */
export function markdownLine(text: string): string {
  return markdownText(text.trimStart()).replace(/^([-+=]|\d{1,9}(?=[.)]))/, (marker) =>
    /^\d/.test(marker) ? `${marker}\\` : `\\${marker}`,
  );
}
