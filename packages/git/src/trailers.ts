import { HyperionError } from '@hyperion/schema';

/** One `Key: value` trailer of a commit message. */
export interface Trailer {
  /** The trailer key, e.g. `Hyperion-Change`. */
  key: string;
  /** The trailer value, with continuation lines unfolded into single spaces. */
  value: string;
}

/** Prefixes git itself writes; a block holding one of them may also hold some other lines. */
const GIT_GENERATED_PREFIXES = ['Signed-off-by: ', '(cherry picked from commit '];
const TOKEN_SEPARATOR = /^([A-Za-z0-9-]+)\s*:(.*)$/;
const VALID_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

/** Lines of the message proper: git ignores a trailing patch after a `---` divider line. */
function messageLines(message: string): string[] {
  const lines = message.split('\n');
  const divider = lines.findIndex((line) => /^---(\s|$)/.test(line));
  return divider === -1 ? lines : lines.slice(0, divider);
}

/** Index range [start, end) of the last paragraph when it may hold trailers (never the title). */
function lastParagraph(lines: string[]): { start: number; end: number } | undefined {
  let titleEnd = 0;
  while (titleEnd < lines.length && !isBlank(lines[titleEnd] ?? '')) titleEnd += 1;
  let end = lines.length;
  while (end > titleEnd && isBlank(lines[end - 1] ?? '')) end -= 1;
  let start = end;
  while (start > titleEnd && !isBlank(lines[start - 1] ?? '')) start -= 1;
  return start < end ? { start, end } : undefined;
}

/**
 * Parses the trailers of a commit message with git's `interpret-trailers` rules: the trailer block
 * is the last paragraph (never the title); it counts when every line is a trailer, or when it holds a
 * git-generated trailer such as `Signed-off-by` and at least a quarter of its lines are trailers.
 * Lines starting with whitespace continue the previous trailer; `#` comment lines are ignored.
 */
export function parseTrailers(message: string): Trailer[] {
  const lines = messageLines(message.replace(/\r\n/g, '\n'));
  const paragraph = lastParagraph(lines);
  if (paragraph === undefined) return [];
  const trailers: Trailer[] = [];
  let trailerLines = 0;
  let nonTrailerLines = 0;
  let possibleContinuations = 0;
  let recognizedPrefix = false;
  let current: Trailer | undefined;
  for (const line of lines.slice(paragraph.start, paragraph.end)) {
    if (line.startsWith('#')) {
      nonTrailerLines += possibleContinuations;
      possibleContinuations = 0;
      continue;
    }
    if (/^\s/.test(line)) {
      possibleContinuations += 1;
      if (current !== undefined) current.value = `${current.value} ${line.trim()}`.trim();
      continue;
    }
    const match = TOKEN_SEPARATOR.exec(line);
    if (match !== null || GIT_GENERATED_PREFIXES.some((prefix) => line.startsWith(prefix))) {
      trailerLines += 1;
      possibleContinuations = 0;
      if (GIT_GENERATED_PREFIXES.some((prefix) => line.startsWith(prefix))) recognizedPrefix = true;
      current = match === null ? undefined : { key: match[1] ?? '', value: (match[2] ?? '').trim() };
      if (current !== undefined) trailers.push(current);
      continue;
    }
    nonTrailerLines += possibleContinuations + 1;
    possibleContinuations = 0;
    current = undefined;
  }
  const isTrailerBlock =
    (trailerLines > 0 && nonTrailerLines === 0) || (recognizedPrefix && trailerLines * 3 >= nonTrailerLines);
  return isTrailerBlock ? trailers : [];
}

/** True when the message's last paragraph is already a trailer block. */
export function endsWithTrailerBlock(message: string): boolean {
  return parseTrailers(message).length > 0;
}

/**
 * Appends `trailers` to `message` as `Key: value` lines, always as a paragraph of their own at the
 * end: never merged into a trailer block the message already ends with, so text that came from
 * elsewhere can neither extend the caller's block nor be read as part of it. Throws
 * `invalid_input` for a key that is not a git trailer token or a value spanning lines.
 */
export function appendTrailers(message: string, trailers: Trailer[]): string {
  const body = message.replace(/\s+$/, '');
  if (trailers.length === 0) return `${body}\n`;
  for (const trailer of trailers) {
    if (!VALID_KEY.test(trailer.key)) {
      throw new HyperionError(
        'invalid_input',
        `trailer key '${trailer.key}' must be letters, digits and '-'`,
      );
    }
    if (/[\r\n]/.test(trailer.value)) {
      throw new HyperionError('invalid_input', `trailer '${trailer.key}' has a value spanning several lines`);
    }
  }
  const block = trailers.map((trailer) => `${trailer.key}: ${trailer.value.trim()}`).join('\n');
  return `${body}\n\n${block}\n`;
}
