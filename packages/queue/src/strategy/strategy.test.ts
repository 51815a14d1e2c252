import { describe, expect, it } from 'vitest';
import { QueueStrategyConfigSchema } from '@hyperion/schema';
import { AdaptiveStrategy, batchSizeFor, PRIOR_FAILURE_RATE } from './adaptive.js';
import { createStrategy } from './index.js';

const config = (input: object = {}) => QueueStrategyConfigSchema.parse(input);

/** Expected check runs per entry of Dorfman group testing with batches of `size` at failure rate `p`. */
function runsPerEntry(size: number, p: number): number {
  return size === 1 ? 1 : 1 / size + 1 - (1 - p) ** size;
}

describe('merge strategies', () => {
  it('serial takes one entry and never speculates; batch takes max_batch and speculates', () => {
    expect(createStrategy(config({ name: 'serial', max_batch: 8 })).plan()).toEqual({
      batchSize: 1,
      speculate: false,
    });
    expect(createStrategy(config({ name: 'batch', max_batch: 5 })).plan()).toEqual({
      batchSize: 5,
      speculate: true,
    });
  });

  it('defaults to adaptive with batches of 8, no wait and one flake re-run, and refuses out-of-range values', () => {
    expect(config()).toEqual({ name: 'adaptive', max_batch: 8, batch_wait_ms: 0, flake_reruns: 1 });
    expect(QueueStrategyConfigSchema.safeParse({ max_batch: 65 }).success).toBe(false);
    expect(QueueStrategyConfigSchema.safeParse({ flake_reruns: 4 }).success).toBe(false);
    expect(QueueStrategyConfigSchema.safeParse({ name: 'bors' }).success).toBe(false);
  });

  it('sizes batches near the group-testing optimum, and goes serial from 30% failure', () => {
    for (const p of [0.01, 0.02, 0.05, 0.1, 0.2]) {
      const size = batchSizeFor(p, 64);
      // Never worse than serial, and within 5% of the best size in 1..64.
      const best = Math.min(...Array.from({ length: 64 }, (_, index) => runsPerEntry(index + 1, p)));
      expect(runsPerEntry(size, p)).toBeLessThan(1);
      expect(runsPerEntry(size, p)).toBeLessThanOrEqual(best * 1.05);
    }
    expect(batchSizeFor(0.3, 8)).toBe(1);
    expect(batchSizeFor(0.4, 8)).toBe(1);
    expect(batchSizeFor(0, 8)).toBe(8);
    expect(batchSizeFor(0.0001, 8)).toBe(8);
  });

  it('adaptive starts from its prior, shrinks to serial as failures rise and grows back as they fall', () => {
    const strategy = new AdaptiveStrategy(config({ max_batch: 8 }));
    expect(strategy.estimatedFailureRate).toBe(PRIOR_FAILURE_RATE);
    expect(strategy.plan()).toEqual({ batchSize: 3, speculate: true });
    // 40% failure, long enough for the average to settle.
    for (let round = 0; round < 30; round += 1)
      strategy.record(['failed', 'passed', 'failed', 'passed', 'passed']);
    expect(strategy.estimatedFailureRate).toBeGreaterThan(0.3);
    expect(strategy.plan()).toEqual({ batchSize: 1, speculate: false });
    expect(strategy.recentRate).toBeGreaterThan(0.3);
    for (let round = 0; round < 150; round += 1) strategy.record(['passed']);
    expect(strategy.plan()).toEqual({ batchSize: 8, speculate: true });
  });

  it('adaptive keeps speculating through a single failure among passes, and its batches grow back within thirty passes', () => {
    const strategy = new AdaptiveStrategy(config({ max_batch: 8 }));
    for (let round = 0; round < 100; round += 1) strategy.record(['passed']);
    const steady = strategy.plan();
    expect(steady.speculate).toBe(true);
    expect(steady.batchSize).toBe(8);
    strategy.record(['failed']);
    const after = strategy.plan();
    expect(after.speculate).toBe(true);
    expect(after.batchSize).toBeGreaterThan(1);
    for (let round = 0; round < 30; round += 1) strategy.record(['passed']);
    expect(strategy.plan()).toEqual(steady);
  });
});
