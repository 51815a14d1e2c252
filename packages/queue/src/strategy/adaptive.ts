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
 * Above this recent failure rate the strategy turns serial: batches stop paying well before it
 * (see {@link expectedRunsPerEntry}), and the fast average must stop them within a few failures.
 */
export const SERIAL_ABOVE_FAILURE_RATE = 0.3;
/**
 * Once serial, batches come back only below this rate (hysteresis): near the threshold a noisy
 * estimate would otherwise flap between batches and single entries, and every red batch costs
 * its bisection.
 */
export const BATCH_AGAIN_BELOW_FAILURE_RATE = 0.2;
/**
 * Speculative candidates are built only while the slow average is below this failure rate: a
 * speculative candidate is rebuilt when a predecessor fails (its check stopped then), so its
 * expected waste per candidate grows with the failure rate.
 */
export const SPECULATE_BELOW_FAILURE_RATE = 0.15;

/**
 * The strategy turns serial only while the slow average is at least this high too: a burst of
 * failures among many passes (the red entries of a workload bunched together, the returned
 * entries of a bisected batch tried again) is not a failure rate that batches lose to, and going
 * serial for it checks one entry at a time with no candidate beside it.
 */
export const SERIAL_ABOVE_SLOW_FAILURE_RATE = 0.15;

/**
 * The largest batch before any verdict is known; each verdict recorded allows one entry more (up
 * to what the estimate sizes). A queue that fails often thus learns it from a few small batches
 * instead of paying a bisection of `max_batch` entries first.
 */
export const SLOW_START = 2;

/**
 * The expected check runs per settled entry (landed or charged) of batches of `size` when each
 * entry fails with probability `failureRate`, as this queue settles a red batch: one run of the
 * whole chain; when red, bisection over its prefixes (ceil(log2 size) runs), one more run when the
 * culprit is the last entry (its red verdict confirmed), and one speculative candidate stacked on
 * the red batch run in vain. The green prefix lands and the culprit is charged; the entries after
 * the culprit go back to the queue and are counted again when they settle in a later batch.
 * Unlike Dorfman's group testing (every entry of a red batch tested alone, optimum about
 * 1/sqrt(p)), bisection makes a red batch cheap, so the best size is larger: 8 or more at 5%.
 */
export function expectedRunsPerEntry(size: number, failureRate: number): number {
  if (size <= 1) return 1;
  const pass = 1 - failureRate;
  const allGreen = pass ** size;
  let settled = size * allGreen;
  for (let culprit = 0; culprit < size; culprit += 1)
    settled += pass ** culprit * failureRate * (culprit + 1);
  const runs = 1 + (1 - allGreen) * (Math.ceil(Math.log2(size)) + 1) + pass ** (size - 1) * failureRate;
  return runs / settled;
}

/**
 * The batch size within 1..`maxBatch` that minimizes {@link expectedRunsPerEntry} for failure
 * rate `p` (the smaller size on a tie); 1 from {@link SERIAL_ABOVE_FAILURE_RATE} up.
 */
export function batchSizeFor(failureRate: number, maxBatch: number): number {
  if (failureRate >= SERIAL_ABOVE_FAILURE_RATE) return 1;
  if (failureRate <= 0) return maxBatch;
  let best = 1;
  let bestRuns = 1;
  for (let size = 2; size <= maxBatch; size += 1) {
    const runs = expectedRunsPerEntry(size, failureRate);
    if (runs < bestRuns) {
      best = size;
      bestRuns = runs;
    }
  }
  return best;
}

/**
 * `adaptive` (the default): estimates the failure rate of entries' own checks by two
 * exponentially weighted moving averages that start at {@link PRIOR_FAILURE_RATE}. The slow one
 * ({@link SLOW_VERDICT_WEIGHT}) sizes batches by {@link batchSizeFor} and allows speculation while
 * failures are rare; the fast one ({@link VERDICT_WEIGHT}) makes it the serial strategy (one
 * entry, one candidate in flight) as soon as the recent rate reaches
 * {@link SERIAL_ABOVE_FAILURE_RATE} while the slow one is at least
 * {@link SERIAL_ABOVE_SLOW_FAILURE_RATE}, until the recent rate is below
 * {@link BATCH_AGAIN_BELOW_FAILURE_RATE}; a burst of failures alone shrinks nothing.
 * Batches start at {@link SLOW_START} entries and grow with each verdict recorded.
 */
export class AdaptiveStrategy implements MergeStrategy {
  readonly name = 'adaptive' as const;
  private readonly maxBatch: number;
  private failureRate = PRIOR_FAILURE_RATE;
  private recentFailureRate = PRIOR_FAILURE_RATE;
  private serial = false;
  /** How many verdicts were recorded (the batch size grows with them, see {@link SLOW_START}). */
  private verdictsSeen = 0;

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
      // Sized by the slow average: a red batch is bisected cheaply, so a burst of failures
      // costs less in batches of the steady rate's size than in the small ones the burst's
      // rate would choose. Slow start: the prior is a guess; no batch is larger than the
      // verdicts seen allow.
      batchSize: Math.min(SLOW_START + this.verdictsSeen, batchSizeFor(this.failureRate, this.maxBatch)),
      // Speculation by the slow average too: a burst of failures does not stop it. A speculative
      // candidate whose base turns red has its check stopped at once, so what it wastes is the
      // part of a run it overlapped, and stopping speculation for the burst left a check slot
      // idle while the queue was still mostly green.
      speculate: this.failureRate < SPECULATE_BELOW_FAILURE_RATE,
    };
  }

  record(verdicts: readonly EntryVerdict[]): void {
    for (const verdict of verdicts) {
      const failed = verdict === 'failed' ? 1 : 0;
      this.verdictsSeen += 1;
      this.recentFailureRate += VERDICT_WEIGHT * (failed - this.recentFailureRate);
      this.failureRate += SLOW_VERDICT_WEIGHT * (failed - this.failureRate);
      if (
        this.recentFailureRate >= SERIAL_ABOVE_FAILURE_RATE &&
        this.failureRate >= SERIAL_ABOVE_SLOW_FAILURE_RATE
      )
        this.serial = true;
      else if (this.recentFailureRate < BATCH_AGAIN_BELOW_FAILURE_RATE) this.serial = false;
    }
  }
}
