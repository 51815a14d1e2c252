import type { QueueStrategyConfig } from '@hyperion/schema';
import type { CandidatePlan, EntryVerdict, MergeStrategy } from './strategy.js';

/** The failure rate assumed before any verdict is known. */
export const PRIOR_FAILURE_RATE = 0.1;
/** Weight of the newest verdict in the moving average (about the last 1/weight verdicts count). */
export const VERDICT_WEIGHT = 0.15;
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
 * `adaptive` (the default): estimates the failure rate of entries' own checks by an
 * exponentially weighted moving average that starts at {@link PRIOR_FAILURE_RATE}, sizes batches
 * by {@link batchSizeFor} and speculates only while failures are rare. As failures rise it
 * becomes the serial strategy (one entry, one candidate in flight) from
 * {@link SERIAL_ABOVE_FAILURE_RATE} and stays so until the rate is below
 * {@link BATCH_AGAIN_BELOW_FAILURE_RATE}.
 */
export class AdaptiveStrategy implements MergeStrategy {
  readonly name = 'adaptive' as const;
  private readonly maxBatch: number;
  private failureRate = PRIOR_FAILURE_RATE;
  private serial = false;

  constructor(config: QueueStrategyConfig) {
    this.maxBatch = config.max_batch;
  }

  /** The current estimate of the failure rate. */
  get estimatedFailureRate(): number {
    return this.failureRate;
  }

  plan(): CandidatePlan {
    if (this.serial) return { batchSize: 1, speculate: false };
    return {
      batchSize: batchSizeFor(this.failureRate, this.maxBatch),
      speculate: this.failureRate < SPECULATE_BELOW_FAILURE_RATE,
    };
  }

  record(verdicts: readonly EntryVerdict[]): void {
    for (const verdict of verdicts) {
      const failed = verdict === 'failed' ? 1 : 0;
      this.failureRate += VERDICT_WEIGHT * (failed - this.failureRate);
      if (this.failureRate >= SERIAL_ABOVE_FAILURE_RATE) this.serial = true;
      else if (this.failureRate < BATCH_AGAIN_BELOW_FAILURE_RATE) this.serial = false;
    }
  }
}
