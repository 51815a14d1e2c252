import type { QueueEvent, QueueEventType } from '@hyperion/schema';
import { checkName, checkShare, durationSeconds, flakedRuns } from './check-share.js';
import { percentile } from './percentile.js';
import type { CheckMetrics, QueueMetrics } from './queue-metrics.js';

const HOUR_MS = 3_600_000;

/** Event types that end a change for good: its submit time is no longer needed. */
const FINAL_TYPES: ReadonlySet<QueueEventType> = new Set([
  'entry:landed',
  'entry:already_landed',
  'entry:rejected',
  'entry:cancelled',
]);

/** Options of {@link QueueMetricsAccumulator.snapshot}. */
export interface MetricsSnapshotOptions {
  /** When the metrics are read, epoch milliseconds. */
  now: number;
  /** Start of the window the events were read from; null (default) for the whole log. */
  since?: number | null;
  /**
   * Only landings at or after this time count in the latency percentiles (default: every landing
   * added); the count and sum cover every landing. Older landings are forgotten by this call.
   */
  percentilesSince?: number;
  /** Only the latest this many landings count in the latency percentiles (default: all). */
  percentilesOfLast?: number;
}

function emptyChecks(): CheckMetrics {
  return { runs: 0, failures: 0, flakes: 0, seconds: 0 };
}

/** Rounds a sum of shares (thirds and the like) to what a person or a scraper wants to read. */
function rounded(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * Queue metrics from events added one at a time, in log order (by id, or by time): counts by type,
 * submit-to-land times, check runs. Memory follows the changes still open and the landings kept
 * for the percentiles, not the length of the log, so a metrics server keeps one and adds only the
 * events written since its last scrape.
 */
export class QueueMetricsAccumulator {
  private readonly counts = new Map<QueueEventType, number>();
  private readonly submittedAt = new Map<string, number>();
  /** Landings whose submission was not among the events added (read before the window). */
  private readonly unresolved = new Map<string, number[]>();
  /** Submit-to-land times with their landing time, in the order added. */
  private recent: Array<{ at: number; ms: number }> = [];
  private latencyCount = 0;
  private latencySumMs = 0;
  private readonly checks = new Map<string, CheckMetrics>();
  private readonly allChecks = emptyChecks();
  private firstAt: number | null = null;
  /** The largest event id added (a follower continues after it). */
  lastId = 0;

  /** Adds one event. */
  add(event: QueueEvent): void {
    if (event.id > this.lastId) this.lastId = event.id;
    const at = Date.parse(event.at);
    if (Number.isNaN(at)) return;
    if (this.firstAt === null || at < this.firstAt) this.firstAt = at;
    this.counts.set(event.type, (this.counts.get(event.type) ?? 0) + 1);
    if (event.type === 'entry:enqueued') {
      if (!this.submittedAt.has(event.entry_id)) this.submittedAt.set(event.entry_id, at);
    } else if (event.type === 'entry:landed' || event.type === 'entry:already_landed') {
      const submitted = this.submittedAt.get(event.entry_id);
      if (submitted === undefined) {
        this.unresolved.set(event.entry_id, [...(this.unresolved.get(event.entry_id) ?? []), at]);
      } else {
        this.addLatency(at, at - submitted);
      }
    } else if (event.type.startsWith('check:')) {
      this.addCheck(event);
    }
    if (FINAL_TYPES.has(event.type)) this.submittedAt.delete(event.entry_id);
  }

  /** Entries that landed among the events added but were submitted before them. */
  pendingSubmissions(): string[] {
    return [...this.unresolved.keys()];
  }

  /**
   * Gives the submit time (epoch milliseconds) of an entry {@link pendingSubmissions} named, read
   * from the store; undefined when the store no longer knows it (its landing keeps no latency).
   */
  resolveSubmission(entryId: string, submittedAt: number | undefined): void {
    const landings = this.unresolved.get(entryId);
    this.unresolved.delete(entryId);
    if (landings === undefined || submittedAt === undefined) return;
    for (const at of landings) this.addLatency(at, at - submittedAt);
    this.recent.sort((left, right) => left.at - right.at);
  }

  /** The metrics of the events added so far. */
  snapshot(options: MetricsSnapshotOptions): QueueMetrics {
    const since = options.since ?? null;
    const count = (...types: QueueEventType[]) =>
      types.reduce((total, type) => total + (this.counts.get(type) ?? 0), 0);
    const landed = count('entry:landed', 'entry:already_landed');
    const conflicted = count('entry:conflicted');
    const quarantined = count('entry:quarantined');
    const outcomes = landed + conflicted + quarantined;
    const start = since ?? this.firstAt;
    const windowMs = start === null ? 0 : options.now - start;
    if (options.percentilesSince !== undefined) {
      const from = options.percentilesSince;
      this.recent = this.recent.filter((landing) => landing.at >= from);
    }
    const sorted = this.sortedLatencies(options.percentilesOfLast);
    const byName = [...this.checks.entries()]
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([name, figures]) => ({ name, ...roundedChecks(figures) }));
    return {
      since,
      now: options.now,
      windowSeconds: windowMs > 0 ? windowMs / 1000 : null,
      enqueued: count('entry:enqueued'),
      landed,
      conflicted,
      quarantined,
      rejected: count('entry:rejected'),
      cancelled: count('entry:cancelled'),
      rolledBack: count('entry:rolled_back'),
      throughputPerHour: windowMs > 0 ? (landed * HOUR_MS) / windowMs : null,
      successRate: ratio(landed, outcomes),
      conflictRate: ratio(conflicted, outcomes),
      latency: {
        count: this.latencyCount,
        sumMs: this.latencySumMs,
        p50Ms: percentile(sorted, 0.5),
        p90Ms: percentile(sorted, 0.9),
        p95Ms: percentile(sorted, 0.95),
      },
      checks: {
        ...roundedChecks(this.allChecks),
        runsPerLanded: landed === 0 ? null : rounded(this.allChecks.runs) / landed,
        byName,
      },
    };
  }

  /**
   * The submit-to-land times kept for the percentiles, in milliseconds, ascending: those of the
   * latest `latest` landings when given.
   */
  sortedLatencies(latest?: number): number[] {
    const sample = latest === undefined ? this.recent : this.recent.slice(-latest);
    return sample.map((landing) => landing.ms).sort((left, right) => left - right);
  }

  private addLatency(at: number, ms: number): void {
    const latency = Math.max(0, ms);
    this.latencyCount += 1;
    this.latencySumMs += latency;
    this.recent.push({ at, ms: latency });
  }

  private addCheck(event: QueueEvent): void {
    const share = checkShare(event);
    const name = checkName(event.data);
    let named = this.checks.get(name);
    if (named === undefined) {
      named = emptyChecks();
      this.checks.set(name, named);
    }
    const add = (field: keyof CheckMetrics, value: number) => {
      named[field] += value;
      this.allChecks[field] += value;
    };
    if (event.type === 'check:passed' || event.type === 'check:failed') {
      add('runs', share);
      add('seconds', durationSeconds(event.data) * share);
      if (event.type === 'check:failed') add('failures', share);
    } else if (event.type === 'check:flaked') {
      add('flakes', share);
      // A check's own retries are recorded only here; a batch's reruns have check events of their own.
      for (const run of flakedRuns(event)) {
        add('runs', share);
        add('failures', share);
        add('seconds', durationSeconds(run) * share);
      }
    }
  }
}

function roundedChecks(figures: CheckMetrics): CheckMetrics {
  return {
    runs: rounded(figures.runs),
    failures: rounded(figures.failures),
    flakes: rounded(figures.flakes),
    seconds: rounded(figures.seconds),
  };
}

/** The metrics of `events` (in log order) over the window starting at `options.since`. */
export function computeQueueMetrics(
  events: Iterable<QueueEvent>,
  options: MetricsSnapshotOptions,
): QueueMetrics {
  const accumulator = new QueueMetricsAccumulator();
  for (const event of events) accumulator.add(event);
  return accumulator.snapshot(options);
}
