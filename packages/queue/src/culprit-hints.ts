import { probeLengths } from './probe-lengths.js';

/**
 * File stems and directory names too common to point at one change: a failure that mentions
 * `index`, `test` or `run` names no culprit. Lower case.
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
  'specs',
  'util',
  'utils',
  'types',
  'package',
  'readme',
  'config',
  'packages',
  'apps',
  'app',
  'source',
  'dist',
  'build',
  'docs',
  'run',
  'cli',
  'api',
  'bin',
  'cmd',
  'pkg',
  'core',
  'common',
  'shared',
  'internal',
  'scripts',
  'tools',
  'fixtures',
  'vendor',
  'node_modules',
]);

/** Shortest file stem or directory name that counts as a name of its own (`a.mjs` names nothing). */
const SHORTEST_NAME = 3;

/**
 * Most bisection rounds per red batch that follow a hint: every later round splits the range
 * evenly, so output that points at the wrong entries costs a red batch at most this many rounds.
 */
export const MAX_HINTED_ROUNDS = 2;

/** Whether `name` (a file stem or a directory's name, lower case) is distinctive enough to point at a change. */
function isDistinctive(name: string): boolean {
  return name.length >= SHORTEST_NAME && !GENERIC_NAMES.has(name);
}

/**
 * The names under which a failure's output may mention a changed `path` (lower case): the path
 * itself, and the file's stem (its name up to the first dot, as in `parser` for `src/parser.ts`
 * and `test/parser.test.ts`), or, where that is short or generic (`src/parser/index.ts`), the name
 * of its directory (`parser`).
 */
function namesOf(path: string): string[] {
  const lower = path.toLowerCase();
  const segments = lower.split('/');
  const stem = segments.at(-1)!.split('.')[0] ?? '';
  if (isDistinctive(stem)) return [lower, stem];
  const directory = segments.at(-2);
  return directory !== undefined && isDistinctive(directory) ? [lower, directory] : [lower];
}

/** `name` (lower case) without the test runners' affixes: `parser` for `parser_test`, `test_parser`, `parsertest`. */
function withoutTestAffixes(name: string): string {
  return name.replace(/^tests?_/, '').replace(/(_test|_spec|tests?)$/, '');
}

/** A word of a check's output: a run of the characters of names and paths. */
const WORD = /[a-z0-9_\-./]+/g;

/** Longest word whose endings at a `/` are taken as names (a longer one is no path). */
const LONGEST_PATH_WORD = 512;

/**
 * A line that reports a pass (`✓ test/x.test.ts`, `PASS src/x.test.js`, Go's and TAP's `ok`):
 * runners list every test file that passed, and those name no culprit.
 */
const PASS_LINE = /^\s*(?:✓|✔|√|pass\b|passed\b|ok\b)/;

/**
 * Every name `output` mentions outside the lines that report a pass, in lower case and with `\`
 * read as `/`: each word (letters, digits, `_`, `-`, `.` and `/`: `-` and `_` continue a name, so
 * `sub-parser` does not mention `parser`), each ending of it after a `/` (an absolute path in a
 * stack trace mentions the repository's relative one), each of its `/`-separated segments, and
 * each `.`-separated part of those (`parser` and `test` in `parser.test.ts`), also without test
 * affixes (`parser` in `parser_test.go`). One pass over the output, whatever the number of
 * changed paths.
 */
function mentionedNames(output: string): Set<string> {
  const names = new Set<string>();
  const add = (name: string): void => {
    if (name.length > 0) names.add(name);
  };
  for (const line of output.toLowerCase().replaceAll('\\', '/').split('\n')) {
    if (PASS_LINE.test(line)) continue;
    for (const [word] of line.matchAll(WORD)) {
      add(word);
      if (word.length <= LONGEST_PATH_WORD) {
        for (let slash = word.indexOf('/'); slash !== -1; slash = word.indexOf('/', slash + 1))
          add(word.slice(slash + 1));
      }
      for (const segment of word.split('/')) {
        add(segment);
        for (const part of segment.split('.')) {
          add(part);
          add(withoutTestAffixes(part));
        }
      }
    }
  }
  return names;
}

/**
 * The changes a red check's output points at: the indices (ascending) of the entries of
 * `pathsOfEntries` (each entry's changed paths, in chain order) with a changed path that
 * `output` mentions outside its pass lines, as a path, by its file's stem or by its directory's
 * name, ignoring case. A test runner names the test file that failed and a stack trace the source
 * files it passed through, so the entry that changed `src/parser.ts` is a suspect when
 * `test/parser.test.ts` (or `parser_test.go`) fails. A hint only orders a bisection's probes:
 * every verdict still comes from a check that ran.
 */
export function suspectsIn(output: string, pathsOfEntries: readonly (readonly string[])[]): number[] {
  if (output.length === 0) return [];
  const mentioned = mentionedNames(output);
  const suspects: number[] = [];
  for (const [index, paths] of pathsOfEntries.entries()) {
    if (paths.some((path) => namesOf(path).some((name) => mentioned.has(name)))) suspects.push(index);
  }
  return suspects;
}

/**
 * The suspect a bisection round between `green` (the longest prefix known green) and `red` (the
 * shortest known red) follows: the first of `suspects` (entry indices, ascending) inside the range
 * (an index `s` with `green <= s < red`, where the culprit is), provided the range holds at most
 * half as many suspects as entries (at least one): output that names nearly every entry, as a
 * runner listing every file, points at none. Undefined otherwise.
 */
export function followedSuspect(green: number, red: number, suspects: readonly number[]): number | undefined {
  if (red - green < 2) return undefined;
  const inside = suspects.filter((index) => index >= green && index < red);
  if (inside.length === 0 || inside.length > Math.max(1, Math.floor((red - green) / 2))) return undefined;
  return inside[0];
}

/**
 * The prefix lengths a bisection round probes, ascending, between `green` and `red`, around
 * `suspect` (see {@link followedSuspect}): the prefixes without it (`suspect`) and with it
 * (`suspect + 1`), as far as each is unknown; with one probe at a time the one with it (red: the
 * culprit is at or before it; green: after it). When they come back green and red, the round names
 * the culprit. Probes left over (`concurrency` beyond those) split the range above the suspect
 * evenly. Without a suspect, {@link probeLengths}.
 */
export function hintedProbeLengths(
  green: number,
  red: number,
  concurrency: number,
  suspect: number | undefined,
): number[] {
  if (suspect === undefined || suspect < green || suspect >= red || red - green < 2)
    return probeLengths(green, red, concurrency);
  const slots = Math.max(1, concurrency);
  const around = [suspect, suspect + 1].filter((length) => length > green && length < red);
  const lengths = new Set(slots === 1 ? [around.at(-1)!] : around);
  const above = suspect + 1;
  if (lengths.size < slots && red - above >= 2) {
    for (const length of probeLengths(above, red, slots - lengths.size)) lengths.add(length);
  }
  return [...lengths].sort((left, right) => left - right);
}
