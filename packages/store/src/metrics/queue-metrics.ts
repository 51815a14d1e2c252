/** Check figures, of one check or of all of them. */
export interface CheckMetrics {
  /**
   * Check runs. A run on a batch is recorded on each of its changes and counted once (each record
   * counts 1/size); a check's own retries before a pass count as runs too.
   */
  runs: number;
  /** Runs that failed (a retried failure included). */
  failures: number;
  /** Checks that failed, then passed on the same tree (`check:flaked`). */
  flakes: number;
  /** Time the runs took, in seconds. */
  seconds: number;
}

/** {@link CheckMetrics} of one check, by its configured name (`(batch)` for a batch's flake). */
export interface NamedCheckMetrics extends CheckMetrics {
  /** The check's name as recorded: stored text, neutralize it before printing. */
  name: string;
}

/** Submit-to-land times of the changes that landed. */
export interface LatencyMetrics {
  /** Landings with a known submit time. */
  count: number;
  /** Sum of their submit-to-land times, in milliseconds. */
  sumMs: number;
  /** Median, in milliseconds (nearest rank), or null without landings. */
  p50Ms: number | null;
  /** 90th percentile, in milliseconds, or null without landings. */
  p90Ms: number | null;
  /** 95th percentile, in milliseconds, or null without landings. */
  p95Ms: number | null;
}

/** Queue metrics computed from the event log (`change_queue_logs`) over a window. */
export interface QueueMetrics {
  /** Start of the window, epoch milliseconds; null for the whole log. */
  since: number | null;
  /** End of the window (when the metrics were read), epoch milliseconds. */
  now: number;
  /** The window's length in seconds: `now - since`, or from the first event seen; null when empty. */
  windowSeconds: number | null;
  /** Changes submitted (`entry:enqueued`). */
  enqueued: number;
  /** Changes landed (`entry:landed`, and `entry:already_landed` after a crash). */
  landed: number;
  /** Changes conflicted (`entry:conflicted`). */
  conflicted: number;
  /** Changes quarantined (`entry:quarantined`). */
  quarantined: number;
  /** Changes rejected by a person. */
  rejected: number;
  /** Changes cancelled. */
  cancelled: number;
  /** Changes rolled back. */
  rolledBack: number;
  /** Landings per hour over the window, or null when the window is empty. */
  throughputPerHour: number | null;
  /** landed / (landed + quarantined + conflicted), or null before any outcome. */
  successRate: number | null;
  /** conflicted / (landed + quarantined + conflicted), or null before any outcome. */
  conflictRate: number | null;
  /** Submit-to-land times of the landings in the window. */
  latency: LatencyMetrics;
  /** Check runs, failures, flakes and time, in total and per check. */
  checks: CheckMetrics & {
    /** Check runs per landed change, or null before any landing. */
    runsPerLanded: number | null;
    /** The same figures per check name, sorted by name. */
    byName: NamedCheckMetrics[];
  };
}
