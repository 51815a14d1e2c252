import { expect } from 'vitest';

/**
 * Asserts what every bisection round's prefix lengths must be, between `green` (the longest
 * prefix known green) and `red` (the shortest known red): at least one and at most `concurrency`,
 * ascending, each once, each strictly inside the range.
 */
export function expectProbeLengthsInRange(
  lengths: readonly number[],
  green: number,
  red: number,
  concurrency: number,
): void {
  expect(lengths.length).toBeGreaterThan(0);
  expect(lengths.length).toBeLessThanOrEqual(concurrency);
  expect(new Set(lengths).size).toBe(lengths.length);
  expect([...lengths].sort((left, right) => left - right)).toEqual(lengths);
  for (const length of lengths) {
    expect(length).toBeGreaterThan(green);
    expect(length).toBeLessThan(red);
  }
}
