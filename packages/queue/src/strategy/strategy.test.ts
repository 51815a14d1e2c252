import { describe, expect, it } from 'vitest';
import { QueueStrategyConfigSchema } from '@hyperion/schema';
import { findFirstRedPrefix } from '../bisect.js';
import {
  AdaptiveStrategy,
  batchSizeFor,
  expectedRunsPerEntry,
  PRIOR_FAILURE_RATE,
  SPECULATE_BELOW_FAILURE_RATE,
} from './adaptive.js';
import { createStrategy } from './index.js';

const config = (input: object = {}) => QueueStrategyConfigSchema.parse(input);

/** A seeded generator (mulberry32), so the simulation below is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Check runs per settled entry when a queue of entries failing at rate `p` is drained in batches
 * of `size` the way the worker settles them, simulated entry by entry: one run per batch; a red
 * batch is bisected by `findFirstRedPrefix` (each probe one run), its last entry's red verdict
 * confirmed by one more run, one speculative run wasted on it; the green prefix lands, the first
 * broken entry is charged, the entries after it go back to the front of the queue.
 */
async function simulatedRunsPerEntry(size: number, p: number): Promise<number> {
  const random = seeded(7);
  const queue: boolean[] = Array.from({ length: 5_000 }, () => random() < p);
  let runs = 0;
  let settled = 0;
  while (queue.length > 0) {
    const batch = queue.splice(0, size);
    runs += 1;
    const firstBroken = batch.indexOf(true);
    if (firstBroken === -1 || batch.length === 1) {
      settled += batch.length;
      continue;
    }
    runs += 1; // the speculative candidate stacked on the red batch
    const result = await findFirstRedPrefix(
      batch.length,
      async (prefix) => !batch.slice(0, prefix).includes(true),
    );
    runs += result.runs + (result.culprit === batch.length - 1 ? 1 : 0);
    settled += result.culprit + 1;
    queue.unshift(...batch.slice(result.culprit + 1));
  }
  return runs / settled;
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

  it('defaults to adaptive with batches of 8, no wait, one flake re-run and culprit hints, and refuses out-of-range values', () => {
    expect(config()).toEqual({
      name: 'adaptive',
      max_batch: 8,
      batch_wait_ms: 0,
      flake_reruns: 1,
      culprit_hints: true,
    });
    expect(QueueStrategyConfigSchema.safeParse({ culprit_hints: 'yes' }).success).toBe(false);
    expect(QueueStrategyConfigSchema.safeParse({ max_batch: 65 }).success).toBe(false);
    expect(QueueStrategyConfigSchema.safeParse({ flake_reruns: 4 }).success).toBe(false);
    expect(QueueStrategyConfigSchema.safeParse({ name: 'bors' }).success).toBe(false);
  });

  it("sizes batches near the best size for bisection (larger than group testing's 1/sqrt(p)), and goes serial from 30% failure", async () => {
    for (const p of [0.01, 0.02, 0.05, 0.1, 0.2]) {
      const size = batchSizeFor(p, 16);
      const simulated = await Promise.all(
        Array.from({ length: 16 }, (_, index) => simulatedRunsPerEntry(index + 1, p)),
      );
      // Within 5% of the best size in 1..16 by the simulation (serial, size 1, among them), and
      // clearly better than serial where failures are rare.
      if (p <= 0.1) expect(simulated[size - 1]!).toBeLessThan(0.9);
      expect(simulated[size - 1]!).toBeLessThanOrEqual(Math.min(...simulated) * 1.05);
      expect(expectedRunsPerEntry(size, p)).toBeCloseTo(simulated[size - 1]!, 1);
    }
    expect(batchSizeFor(0.05, 8)).toBe(8);
    expect(batchSizeFor(0.3, 8)).toBe(1);
    expect(batchSizeFor(0.4, 8)).toBe(1);
    expect(batchSizeFor(0, 8)).toBe(8);
    expect(batchSizeFor(0.0001, 8)).toBe(8);
  });

  it('adaptive starts from its prior, shrinks to serial as failures rise and grows back as they fall', () => {
    const strategy = new AdaptiveStrategy(config({ max_batch: 8 }));
    expect(strategy.estimatedFailureRate).toBe(PRIOR_FAILURE_RATE);
    // Slow start: two entries before any verdict, one more per verdict, up to the estimate's size.
    expect(strategy.plan()).toEqual({ batchSize: 2, speculate: true });
    strategy.record(['passed', 'passed']);
    expect(strategy.plan()).toEqual({ batchSize: 4, speculate: true });
    // 40% failure, long enough for the average to settle.
    for (let round = 0; round < 30; round += 1)
      strategy.record(['failed', 'passed', 'failed', 'passed', 'passed']);
    expect(strategy.estimatedFailureRate).toBeGreaterThan(0.3);
    expect(strategy.plan()).toEqual({ batchSize: 1, speculate: false });
    expect(strategy.recentRate).toBeGreaterThan(0.3);
    for (let round = 0; round < 150; round += 1) strategy.record(['passed']);
    expect(strategy.plan()).toEqual({ batchSize: 8, speculate: true });
  });

  it('adaptive keeps its batches, speculates and stays off serial through a burst of failures among many passes', () => {
    const strategy = new AdaptiveStrategy(config({ max_batch: 8 }));
    for (let round = 0; round < 100; round += 1) strategy.record(['passed']);
    strategy.record(['failed', 'failed', 'failed']);
    expect(strategy.recentRate).toBeGreaterThan(0.3);
    expect(strategy.estimatedFailureRate).toBeLessThan(0.15);
    // Batches of the steady rate's size, speculating still: not serial.
    expect(strategy.plan()).toEqual({ batchSize: 8, speculate: true });
    // A failure rate that stays high does stop speculation (the slow average reaches 15%).
    for (let round = 0; round < 10; round += 1) strategy.record(['failed', 'passed']);
    expect(strategy.estimatedFailureRate).toBeGreaterThanOrEqual(SPECULATE_BELOW_FAILURE_RATE);
    expect(strategy.plan().speculate).toBe(false);
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
