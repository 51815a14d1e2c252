import { availableParallelism } from 'node:os';
import type { QueueStrategyConfig } from '@hyperion/schema';

/** What a strategy decides before a worker leases the entries of its next candidate. */
export interface CandidatePlan {
  /** How many entries the candidate may carry (1 = one entry alone). */
  batchSize: number;
  /**
   * True: the candidate may be built on other workers' candidates in flight (speculative
   * stacking). False: the worker waits until no candidate is in flight on the branch and builds
   * on the tip, so at most one candidate per branch is checked at a time.
   */
  speculate: boolean;
}

/** What one entry's own checks came to, as a strategy learns it. */
export type EntryVerdict = 'passed' | 'failed';

/**
 * A merge strategy: how many entries go into the next candidate and whether it speculates.
 * It learns from the verdicts of entries' own checks (a culprit found by bisection is one
 * failure, the entries that landed are passes; entries handed back uncharged teach nothing).
 */
export interface MergeStrategy {
  /** The strategy's name, as in `queue.strategy.name`. */
  readonly name: QueueStrategyConfig['name'];
  /** The plan of the next candidate. */
  plan(): CandidatePlan;
  /** Records verdicts of entries' own checks, oldest first. */
  record(verdicts: readonly EntryVerdict[]): void;
}

/** `serial`: one entry per candidate, one candidate in flight per branch. */
export class SerialStrategy implements MergeStrategy {
  readonly name = 'serial' as const;

  plan(): CandidatePlan {
    return { batchSize: 1, speculate: false };
  }

  record(): void {}
}

/** `batch`: up to `max_batch` entries per candidate, speculative next candidates. */
export class BatchStrategy implements MergeStrategy {
  readonly name = 'batch' as const;
  private readonly maxBatch: number;

  constructor(config: QueueStrategyConfig) {
    this.maxBatch = config.max_batch;
  }

  plan(): CandidatePlan {
    return { batchSize: this.maxBatch, speculate: true };
  }

  record(): void {}
}

/**
 * How many candidates a speculating strategy keeps in flight per branch at most:
 * `queue.strategy.max_in_flight`, or the machine's available parallelism when it is not set (a
 * check more than there are CPUs to run it only slows the others down).
 */
export function maxCandidatesInFlight(config: Pick<QueueStrategyConfig, 'max_in_flight'>): number {
  return config.max_in_flight ?? Math.max(1, availableParallelism());
}

/**
 * How many bisection probes of a red batch are checked at once at most: `queue.strategy.bisect_concurrency`,
 * by default 2 (1 with one worker, or with `max_in_flight` 1: probes are checks in flight too).
 * Each round also leaves the other workers' checks in flight their slots of `max_in_flight`.
 */
export function bisectionConcurrency(config: {
  workers: number;
  queue: { strategy: Pick<QueueStrategyConfig, 'bisect_concurrency' | 'max_in_flight'> };
}): number {
  const strategy = config.queue.strategy;
  return (
    strategy.bisect_concurrency ?? Math.max(1, Math.min(2, config.workers, maxCandidatesInFlight(strategy)))
  );
}
