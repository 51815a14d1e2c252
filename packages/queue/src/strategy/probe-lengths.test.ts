import { describe, expect, it } from 'vitest';
import { probeLengths } from '../probe-lengths.js';
import { expectProbeLengthsInRange } from '../testing/probe-length-checks.js';

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
          expectProbeLengthsInRange(probeLengths(green, red, concurrency), green, red, concurrency);
        }
      }
    }
  });
});
