import { describe, expect, it } from 'vitest';
import { followedSuspect, hintedProbeLengths, suspectsIn } from './culprit-hints.js';
import { expectProbeLengthsInRange } from './testing/probe-length-checks.js';

describe('suspectsIn', () => {
  const paths = [['src/lexer.ts'], ['src/parser.ts', 'docs/parser.md'], ['src/pair2/a.mjs'], ['README.md']];

  it('points at the entries whose file stem, path or directory the output mentions, in chain order', () => {
    expect(suspectsIn('FAIL test/parser.test.ts > parses a call', paths)).toEqual([1]);
    expect(suspectsIn('Error at src/lexer.ts:12:3\nFAIL pair2.test.mjs', paths)).toEqual([0, 2]);
    expect(suspectsIn('README.md is stale', paths)).toEqual([3]);
  });

  it('ignores case, reads \\ as /, and takes the names of test files without their affixes', () => {
    expect(suspectsIn('--- FAIL: TestParse (parser_test.go:12)', paths)).toEqual([1]);
    expect(suspectsIn('FAILED tests/test_lexer.py::test_tokens', paths)).toEqual([0]);
    expect(suspectsIn('at ParserTest.parses(ParserTest.java:40)', [['src/main/java/Parser.java']])).toEqual([
      0,
    ]);
    // A name that merely ends like an affix is its own: `latest` is not `la`.
    expect(suspectsIn('FAIL latest.test.ts', [['src/latest.ts']])).toEqual([0]);
    expect(suspectsIn('at C:\\ci\\work\\src\\lexer.ts:3:1', [['docs/a.md'], ['src/lexer.ts']])).toEqual([1]);
  });

  it('does not count the lines that report a pass', () => {
    const output =
      ' ✓ test/lexer.test.ts (3 tests)\nPASS test/pair2.test.js\nok  \texample.com/parser\t0.1s\n × FAIL nothing named';
    expect(suspectsIn(output, paths)).toEqual([]);
  });

  it('does not take a name inside a longer one, a short or generic name, or an empty output', () => {
    expect(suspectsIn('FAIL parsers.test.ts', paths)).toEqual([]);
    expect(suspectsIn('FAIL sub-parser.test.ts', paths)).toEqual([]);
    expect(suspectsIn('FAIL pair20.test.mjs', paths)).toEqual([]);
    // `a.mjs` names nothing by its stem; `README` is generic.
    expect(suspectsIn('cannot import a from ./a.mjs; see README', paths)).toEqual([]);
    expect(suspectsIn('', paths)).toEqual([]);
    expect(suspectsIn('FAIL test/index.test.ts', [['src/index.ts'], ['lib/main.js']])).toEqual([]);
    expect(
      suspectsIn('pnpm run test failed in packages/cli', [['scripts/run.mjs'], ['apps/cli/x.ts']]),
    ).toEqual([]);
  });

  it('takes a path from a stack trace of absolute paths, and a name at the end of a long output', () => {
    expect(
      suspectsIn('    at parse (/home/ci/work/src/lexer.ts:12:3)', [['docs/a.md'], ['src/lexer.ts']]),
    ).toEqual([1]);
    expect(suspectsIn('    at /home/ci/work/lib/x.ts:1:1', [['src/lexer.ts'], ['work/lib/x.ts']])).toEqual([
      1,
    ]);
    const noise = `${'passed 1/1 ok '.repeat(4_000)}${'a/'.repeat(20_000)}`;
    expect(suspectsIn(`${noise}\nFAIL test/parser.test.ts`, paths)).toEqual([1]);
  });

  it('takes a directory by its whole name, dots included, and a path cut by other characters by its stem', () => {
    expect(suspectsIn('FAIL lib.v2/x.test.ts', [['lib.v2/x.ts'], ['lib/x.ts']])).toEqual([0]);
    expect(suspectsIn('FAIL (src/lexer.ts)', [['src/lexer.ts']])).toEqual([0]);
    expect(suspectsIn('see my dir/lexer.ts', [['my dir/lexer.ts'], ['my dir/other.ts']])).toEqual([0]);
  });
});

describe('followedSuspect', () => {
  it('follows the first suspect inside the range', () => {
    expect(followedSuspect(0, 8, [5])).toBe(5);
    expect(followedSuspect(0, 8, [1, 5])).toBe(1);
    // Suspect 1 is below the longest green prefix (2): cleared.
    expect(followedSuspect(2, 8, [1, 5])).toBe(5);
    expect(followedSuspect(0, 8, [8])).toBeUndefined();
    expect(followedSuspect(4, 5, [4])).toBeUndefined();
  });

  it('follows none when the range holds more suspects than half its entries', () => {
    expect(followedSuspect(0, 8, [0, 1, 2, 3])).toBe(0);
    expect(followedSuspect(0, 8, [0, 1, 2, 3, 4])).toBeUndefined();
    expect(followedSuspect(0, 2, [0])).toBe(0);
    expect(followedSuspect(0, 2, [0, 1])).toBeUndefined();
  });
});

describe('hintedProbeLengths', () => {
  it('probes the prefixes without and with the suspect', () => {
    expect(hintedProbeLengths(0, 8, 2, 5)).toEqual([5, 6]);
    expect(hintedProbeLengths(0, 8, 2, 1)).toEqual([1, 2]);
  });

  it('skips a prefix already known, and spends a probe left over above the suspect', () => {
    // The suspect is the first entry of the range: prefix 0 is known green.
    expect(hintedProbeLengths(0, 8, 2, 0)).toEqual([1, 4]);
    // The suspect is the last entry of the range: prefix 8 is known red.
    expect(hintedProbeLengths(0, 8, 2, 7)).toEqual([7]);
    expect(hintedProbeLengths(0, 8, 3, 2)).toEqual([2, 3, 5]);
  });

  it('with one probe at a time, probes the prefix with the suspect', () => {
    expect(hintedProbeLengths(0, 8, 1, 5)).toEqual([6]);
    expect(hintedProbeLengths(0, 8, 1, 7)).toEqual([7]);
  });

  it('splits the range evenly without a suspect inside it', () => {
    expect(hintedProbeLengths(0, 8, 2, undefined)).toEqual([3, 5]);
    expect(hintedProbeLengths(4, 8, 2, 1)).toEqual([5, 7]);
  });

  it('never probes a length twice, outside the range, or more than the concurrency', () => {
    for (let green = 0; green < 10; green += 1) {
      for (let red = green + 2; red <= 12; red += 1) {
        for (const concurrency of [1, 2, 3, 4]) {
          for (const suspect of [undefined, ...Array.from({ length: 13 }, (_, index) => index)]) {
            const lengths = hintedProbeLengths(green, red, concurrency, suspect);
            expectProbeLengthsInRange(lengths, green, red, concurrency);
          }
        }
      }
    }
  });
});
