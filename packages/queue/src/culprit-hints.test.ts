import { describe, expect, it } from 'vitest';
import { hintedProbeLengths, suspectsIn } from './culprit-hints.js';

describe('suspectsIn', () => {
  const paths = [['src/lexer.ts'], ['src/parser.ts', 'docs/parser.md'], ['src/pair2/a.mjs'], ['README.md']];

  it('points at the entries whose file stem, path or directory the output mentions, in chain order', () => {
    expect(suspectsIn('FAIL test/parser.test.ts > parses a call', paths)).toEqual([1]);
    expect(suspectsIn('Error at src/lexer.ts:12:3\nFAIL pair2.test.mjs', paths)).toEqual([0, 2]);
    expect(suspectsIn('README.md is stale', paths)).toEqual([3]);
  });

  it('does not take a name inside a longer one, a short or generic name, or an empty output', () => {
    expect(suspectsIn('FAIL parsers.test.ts', paths)).toEqual([]);
    expect(suspectsIn('FAIL sub-parser.test.ts', paths)).toEqual([]);
    expect(suspectsIn('FAIL pair20.test.mjs', paths)).toEqual([]);
    // `a.mjs` names nothing by its stem; `README` is generic.
    expect(suspectsIn('cannot import a from ./a.mjs; see README', paths)).toEqual([]);
    expect(suspectsIn('', paths)).toEqual([]);
    expect(suspectsIn('FAIL test/index.test.ts', [['src/index.ts'], ['lib/main.js']])).toEqual([]);
  });

  it('reads a path with the characters of a pattern as plain text', () => {
    expect(suspectsIn('FAIL a+b.test.ts', [['src/a+b.ts']])).toEqual([0]);
    expect(suspectsIn('FAIL aab.test.ts', [['src/a+b.ts']])).toEqual([]);
  });
});

describe('hintedProbeLengths', () => {
  it('probes the prefixes without and with the first suspect inside the range', () => {
    expect(hintedProbeLengths(0, 8, 2, [5])).toEqual([5, 6]);
    expect(hintedProbeLengths(0, 8, 2, [1, 5])).toEqual([1, 2]);
    // Suspect 1 is below the longest green prefix (2): cleared, so suspect 5 is tried.
    expect(hintedProbeLengths(2, 8, 2, [1, 5])).toEqual([5, 6]);
  });

  it('skips a prefix already known, and spends a probe left over above the suspect', () => {
    // The suspect is the first entry of the range: prefix 0 is known green.
    expect(hintedProbeLengths(0, 8, 2, [0])).toEqual([1, 4]);
    // The suspect is the last entry of the range: prefix 8 is known red.
    expect(hintedProbeLengths(0, 8, 2, [7])).toEqual([7]);
    expect(hintedProbeLengths(0, 8, 3, [2])).toEqual([2, 3, 5]);
  });

  it('with one probe at a time, probes the prefix with the suspect', () => {
    expect(hintedProbeLengths(0, 8, 1, [5])).toEqual([6]);
    expect(hintedProbeLengths(0, 8, 1, [7])).toEqual([7]);
  });

  it('splits the range evenly without a suspect inside it', () => {
    expect(hintedProbeLengths(0, 8, 2, [])).toEqual([3, 5]);
    expect(hintedProbeLengths(4, 8, 2, [1, 8])).toEqual([5, 7]);
  });

  it('never probes a length twice, outside the range, or more than the concurrency', () => {
    for (let green = 0; green < 10; green += 1) {
      for (let red = green + 2; red <= 12; red += 1) {
        for (const concurrency of [1, 2, 3, 4]) {
          for (let suspect = 0; suspect < 13; suspect += 1) {
            const lengths = hintedProbeLengths(green, red, concurrency, [suspect]);
            expect(lengths.length).toBeGreaterThan(0);
            expect(lengths.length).toBeLessThanOrEqual(concurrency);
            expect(new Set(lengths).size).toBe(lengths.length);
            expect([...lengths].sort((left, right) => left - right)).toEqual(lengths);
            for (const length of lengths) {
              expect(length).toBeGreaterThan(green);
              expect(length).toBeLessThan(red);
            }
          }
        }
      }
    }
  });
});
