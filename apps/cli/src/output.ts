import { printable, printableBlock, printableJson } from '@hyperion/schema';

/** Where a command writes; tests pass their own. */
export interface CommandOutput {
  /** Writes a line to standard output. */
  line(text?: string): void;
  /** Writes a line to standard error. */
  error(text: string): void;
  /** Writes a value as pretty JSON to standard output. */
  json(value: unknown): void;
}

/** Output to the process's own streams; JSON has DEL, C1 and bidi controls `\u`-escaped too. */
export const processOutput: CommandOutput = {
  line: (text = '') => void process.stdout.write(`${text}\n`),
  error: (text) => void process.stderr.write(`${text}\n`),
  json: (value) => void process.stdout.write(`${jsonText(value, 2)}\n`),
};

/**
 * Wraps `output` so that no line can carry a terminal control sequence, whatever a command forgot:
 * every control character but newline and tab is shown as visible text (ESC as `\x1b`). Commands
 * still pass single-line fields through `printable`/{@link pad} so that a newline in stored text
 * cannot forge a line of its own. Values given to `json` pass unchanged: JSON escapes them.
 */
export function printableOutput(output: CommandOutput): CommandOutput {
  return {
    line: (text) => output.line(text === undefined ? undefined : printableBlock(text)),
    error: (text) => output.error(printableBlock(text)),
    json: (value) => output.json(value),
  };
}

/** `JSON.stringify` with every control character escaped (safe to print, the same value). */
export function jsonText(value: unknown, indent?: number): string {
  return printableJson(JSON.stringify(value, null, indent));
}

/**
 * Pads `text` to `width` columns: a table cell. Stored text is shown with its control characters
 * (newlines included) as visible text, so one cell cannot break or rewrite the table.
 */
export function pad(text: string, width: number): string {
  const shown = printable(text);
  return shown.length >= width ? shown : shown + ' '.repeat(width - shown.length);
}

/** A short commit id. */
export function shortCommit(commit: string | null | undefined): string {
  return commit === null || commit === undefined ? '-' : printable(commit.slice(0, 12));
}
