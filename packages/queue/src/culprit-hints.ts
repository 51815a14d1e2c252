import { probeLengths } from './probe-lengths.js';

/**
 * File stems and directory names too common to point at one change: a failure that mentions
 * `index` or `test` names no culprit. Compared in lower case.
 */
const GENERIC_NAMES = new Set([
  'index',
  'main',
  'mod',
  'lib',
  'src',
  'test',
  'tests',
  'spec',
  'util',
  'utils',
  'types',
  'package',
  'readme',
  'config',
  'packages',
  'apps',
  'source',
  'dist',
  'build',
  'docs',
]);

/** Shortest file stem or directory name that counts as a name of its own (`a.mjs` names nothing). */
const SHORTEST_NAME = 3;

function escapeForPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `name` (a file stem or a directory's name) is distinctive enough to point at a change. */
function isDistinctive(name: string): boolean {
  return name.length >= SHORTEST_NAME && !GENERIC_NAMES.has(name.toLowerCase());
}

/**
 * The names under which a failure's output may mention a changed `path`: the path itself, and
 * the file's stem (its name up to the first dot, as in `parser` for `src/parser.ts` and
 * `test/parser.test.ts`), or, where that is short or generic (`src/parser/index.ts`), the name of
 * its directory (`parser`, as in `test/parser.test.ts`).
 */
function namesOf(path: string): string[] {
  const segments = path.split('/');
  const stem = segments.at(-1)!.split('.')[0] ?? '';
  if (isDistinctive(stem)) return [path, stem];
  const directory = segments.at(-2);
  return directory !== undefined && isDistinctive(directory) ? [path, directory] : [path];
}

/**
 * Whether `output` mentions `name` as a word of its own: not inside a longer name (`m06` is not
 * mentioned by `m062.test.mjs`), where letters, digits, `_` and `-` continue a name.
 */
function mentions(output: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_-])${escapeForPattern(name)}($|[^A-Za-z0-9_-])`).test(output);
}

/**
 * The changes a red check's output points at: the indices (ascending) of the entries of
 * `pathsOfEntries` (each entry's changed paths, in chain order) with a changed path that
 * `output` mentions, as a path, by its file's stem or by its directory's name. A test runner names the test file that
 * failed and a stack trace the source files it passed through, so the entry that changed
 * `src/parser.ts` is a suspect when `test/parser.test.ts` fails. A hint only orders a
 * bisection's probes: every verdict still comes from a check that ran.
 */
export function suspectsIn(output: string, pathsOfEntries: readonly (readonly string[])[]): number[] {
  if (output.length === 0) return [];
  const suspects: number[] = [];
  for (const [index, paths] of pathsOfEntries.entries()) {
    if (paths.some((path) => namesOf(path).some((name) => mentions(output, name)))) suspects.push(index);
  }
  return suspects;
}

/**
 * The prefix lengths a bisection round probes, ascending, between `green` (the longest prefix
 * known green) and `red` (the shortest known red), when the red output points at `suspects`
 * (entry indices, ascending). The culprit is the first entry whose prefix is red, so the first
 * suspect inside the range (an index `s` with `green <= s < red`) is tried: the prefixes without
 * it (`s`) and with it (`s + 1`), as far as each is unknown. When both come back as expected
 * (green, then red) the round names the culprit; otherwise it still halves the range at a
 * suspect. Probes left over (`concurrency` beyond those) split the range above the suspect
 * evenly, as {@link probeLengths} does. Without a suspect in the range, {@link probeLengths}.
 */
export function hintedProbeLengths(
  green: number,
  red: number,
  concurrency: number,
  suspects: readonly number[],
): number[] {
  const suspect = suspects.find((index) => index >= green && index < red);
  if (suspect === undefined || red - green < 2) return probeLengths(green, red, concurrency);
  const slots = Math.max(1, concurrency);
  // With one probe at a time, the prefix with the suspect first: red, the culprit is at or
  // before it; green, it is after it (and the suspect is cleared).
  const around = [suspect, suspect + 1].filter((length) => length > green && length < red);
  const lengths = new Set(slots === 1 ? [around.at(-1)!] : around);
  const above = suspect + 1;
  if (lengths.size < slots && red - above >= 2) {
    for (const length of probeLengths(above, red, slots - lengths.size)) lengths.add(length);
  }
  return [...lengths].sort((left, right) => left - right);
}
