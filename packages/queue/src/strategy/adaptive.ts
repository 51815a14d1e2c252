import type { QueueStrategyConfig } from '@hyperion/schema';
import type { CandidatePlan, EntryVerdict, MergeStrategy } from './strategy.js';

/** The failure rate assumed before any verdict is known. */
export const PRIOR_FAILURE_RATE = 0.1;
/**
 * Weight of the newest verdict in the fast moving average (about the last 1/weight verdicts
 * count), which turns the strategy serial when failures rise: it must react within a few.
 */
export const VERDICT_WEIGHT = 0.15;
/**
 * Weight of the newest verdict in the slow moving average (about the last 33 verdicts), which
 * sizes batches and decides speculation: one failure among many passes must not stop speculating
 * and shrink every batch for the next several candidates, as the fast average would.
 */
export const SLOW_VERDICT_WEIGHT = 0.03;
/**
 * Above this failure rate batches stop paying (Dorfman group testing: the expected runs per entry
 * of a batch of k, 1/k + 1 - (1-p)^k, are no lower than serial's 1 near p = 0.3).
 */
export const SERIAL_ABOVE_FAILURE_RATE = 0.3;
/**
 * Once serial, batches come back only below this rate (hysteresis): near the threshold a noisy
 * estimate would otherwise flap between batches and single entries, and every red batch costs
 * its re-run and its bisection.
 */
export const BATCH_AGAIN_BELOW_FAILURE_RATE = 0.2;
/**
 * Speculative candidates are built only below this failure rate: a speculative run is wasted
 * when a predecessor fails, so its expected waste per candidate is about the failure rate.
 */
export const SPECULATE_BELOW_FAILURE_RATE = 0.15;

/**
 * The batch size that minimizes expected check runs per entry for failure rate `p` (Dorfman's
 * optimum, about 1/sqrt(p)), within 1..`maxBatch`; 1 from {@link SERIAL_ABOVE_FAILURE_RATE} up.
 */
export function batchSizeFor(failureRate: number, maxBatch: number): number {
  if (failureRate >= SERIAL_ABOVE_FAILURE_RATE) return 1;
  if (failureRate <= 0) return maxBatch;
  return Math.max(1, Math.min(maxBatch, Math.round(1 / Math.sqrt(failureRate))));
}

/**
 * `adaptive` (the default): estimates the failure rate of entries' own checks by two
 * exponentially weighted moving averages that start at {@link PRIOR_FAILURE_RATE}. The slow one
 * ({@link SLOW_VERDICT_WEIGHT}) sizes batches by {@link batchSizeFor} and allows speculation while
 * failures are rare; the fast one ({@link VERDICT_WEIGHT}) makes it the serial strategy (one
 * entry, one candidate in flight) as soon as the recent rate reaches
 * {@link SERIAL_ABOVE_FAILURE_RATE}, until it is below {@link BATCH_AGAIN_BELOW_FAILURE_RATE}.
 */
export class AdaptiveStrategy implements MergeStrategy {
  readonly name = 'adaptive' as const;
  private readonly maxBatch: number;
  private failureRate = PRIOR_FAILURE_RATE;
  private recentFailureRate = PRIOR_FAILURE_RATE;
  private serial = false;

  constructor(config: QueueStrategyConfig) {
    this.maxBatch = config.max_batch;
  }

  /** The current estimate of the failure rate (the slow average: it sizes batches). */
  get estimatedFailureRate(): number {
    return this.failureRate;
  }

  /** The failure rate of the last few verdicts (the fast average: it turns the strategy serial). */
  get recentRate(): number {
    return this.recentFailureRate;
  }

  plan(): CandidatePlan {
    if (this.serial) return { batchSize: 1, speculate: false };
    return {
      // Sized by the worse of the two: failures that cluster shrink batches at once.
      batchSize: batchSizeFor(Math.max(this.failureRate, this.recentFailureRate), this.maxBatch),
      // Speculation also stops as soon as failures cluster (two in a row reach the threshold),
      // before the strategy goes serial: a speculative run is lost with its predecessor.
      speculate:
        this.failureRate < SPECULATE_BELOW_FAILURE_RATE &&
        this.recentFailureRate < BATCH_AGAIN_BELOW_FAILURE_RATE,
    };
  }

  record(verdicts: readonly EntryVerdict[]): void {
    for (const verdict of verdicts) {
      const failed = verdict === 'failed' ? 1 : 0;
      this.recentFailureRate += VERDICT_WEIGHT * (failed - this.recentFailureRate);
      this.failureRate += SLOW_VERDICT_WEIGHT * (failed - this.failureRate);
      if (this.recentFailureRate >= SERIAL_ABOVE_FAILURE_RATE) this.serial = true;
      else if (this.recentFailureRate < BATCH_AGAIN_BELOW_FAILURE_RATE) this.serial = false;
    }
  }
}
