/** Where a command writes; tests pass their own. */
export interface CommandOutput {
  /** Writes a line to standard output. */
  line(text?: string): void;
  /** Writes a line to standard error. */
  error(text: string): void;
  /** Writes a value as pretty JSON to standard output. */
  json(value: unknown): void;
}

/** Output to the process's own streams. */
export const processOutput: CommandOutput = {
  line: (text = '') => void process.stdout.write(`${text}\n`),
  error: (text) => void process.stderr.write(`${text}\n`),
  json: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
};

/** Pads `text` to `width` columns. */
export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** A short commit id. */
export function shortCommit(commit: string | null | undefined): string {
  return commit === null || commit === undefined ? '-' : commit.slice(0, 12);
}
