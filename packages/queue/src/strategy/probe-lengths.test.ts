import { describe, expect, it } from 'vitest';
import { probeLengths } from '../probe-lengths.js';

describe('probeLengths', () => {
  it('probes the middle when one probe runs at a time', () => {
    expect(probeLengths(0, 8, 1)).toEqual([4]);
    expect(probeLengths(4, 8, 1)).toEqual([6]);
    expect(probeLengths(0, 2, 1)).toEqual([1]);
  });

  it('splits the range evenly with two probes, and needs only one for a range of two', () => {
    expect(probeLengths(0, 8, 2)).toEqual([3, 5]);
    expect(probeLengths(0, 3, 2)).toEqual([1, 2]);
    expect(probeLengths(5, 8, 2)).toEqual([6, 7]);
    expect(probeLengths(3, 5, 2)).toEqual([4]);
    expect(probeLengths(0, 4, 2)).toEqual([1, 3]);
  });

  it('never probes a length twice or outside the range, whatever the concurrency', () => {
    for (let green = 0; green < 12; green += 1) {
      for (let red = green + 2; red <= 16; red += 1) {
        for (const concurrency of [1, 2, 3, 4]) {
          const lengths = probeLengths(green, red, concurrency);
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
  });
});
