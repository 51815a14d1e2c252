import { setTimeout as sleep } from 'node:timers/promises';
import { TurnLine } from './turn-line.js';

/** A commit a worker has built and is checking, not yet landed: one entry, or a batch of them. */
export interface SpeculationCandidate {
  /** The candidate commit (the head of the batch's chain of commits). */
  commit: string;
  /** The commit it was built on: the branch tip, or another candidate. */
  parent: string;
  /** The entries whose commits the candidate carries, in landing order. */
  entryIds: readonly string[];
  /** The worker that built it. */
  owner: string;
  /**
   * True while its verdict is likely red: a chain whose check just came out red (it is being
   * settled or bisected), or a bisection's probe. Nobody builds on a candidate at risk (see
   * {@link SpeculationBoard.speculativeBase}): a candidate stacked on it would be thrown away
   * with it about half the time.
   */
  atRisk?: boolean;
}

/**
 * Where a speculating worker may build its next candidate ({@link SpeculationBoard.speculativeBase}):
 * on `base`, or nowhere yet — `wait` says why: the head it would stack on is `at_risk`, or
 * `in_flight` candidates already take every check slot of the machine. With `in_flight`, `base`
 * is where the candidate would go: a worker may build it there ahead of time, and check it once a
 * slot is free and the base is still the same.
 */
export type SpeculativeBase =
  | { base: string; wait?: undefined }
  | { wait: 'at_risk'; base?: undefined }
  | { wait: 'in_flight'; base: string };

/**
 * The base a speculating worker may build on, read from `candidates` (the branch's candidates in
 * flight in this object database): the head of the chain of candidates built on `tip`, stopping
 * before any candidate carrying one of `entryIds` (an entry never stacks on its own earlier
 * attempt). It waits instead when the chain's next candidate is at risk (its verdict is likely
 * red) or when `maxInFlight` candidates are already being checked (counted by their owners: a
 * worker checks one at a time): the machine has that many check slots, and one more candidate
 * only slows the others down (the base is given with that answer: see {@link SpeculativeBase}).
 * A candidate whose commit is the tip has landed and no longer counts.
 */
export function pickSpeculativeBase(
  candidates: readonly SpeculationCandidate[],
  tip: string,
  entryIds: readonly string[],
  maxInFlight: number,
): SpeculativeBase {
  const mine = new Set(entryIds);
  let base = tip;
  for (let depth = 0; depth < candidates.length; depth += 1) {
    const built = candidates.filter((candidate) => candidate.parent === base);
    if (built.some((candidate) => candidate.atRisk === true)) return { wait: 'at_risk' };
    const next = built.find((candidate) => !candidate.entryIds.some((id) => mine.has(id)));
    if (next === undefined) break;
    base = next.commit;
  }
  // One check per worker: a bisection swapping its probe in has two candidates for a moment.
  const inFlight = new Set(
    candidates.filter((candidate) => candidate.commit !== tip).map((candidate) => candidate.owner),
  ).size;
  if (inFlight >= maxInFlight) return { wait: 'in_flight', base };
  return { base };
}

/**
 * Speculative stacking (after Zuul's dependent pipelines): a worker may build its candidate on
 * top of another worker's candidate instead of on the branch tip, so both check in parallel. It
 * lands only when the branch tip equals the commit it was built on — the compare-and-swap makes
 * that exact — so a predecessor that fails costs a rebuild, never a broken branch.
 *
 * Choosing a base and publishing the candidate built on it is one turn, taken in arrival order
 * ({@link SpeculationBoard.takeBuildTurn}): two workers never build on the same base at once, so
 * the candidates form one chain and land in the order they were started. Without turns, a slow
 * build (a large patch) started on the same base as a fast one lost the landing race to it again
 * and again.
 *
 * Every method is asynchronous so that a board can live in the store and be shared by the
 * workers of several processes.
 */
export interface SpeculationBoard {
  /**
   * Waits for this worker's turn to choose a base and build on it; call the returned function
   * once the candidate is published (or the build ended without one). Turns are first come,
   * first served; releasing twice is harmless.
   */
  takeBuildTurn(owner: string, signal?: AbortSignal): Promise<() => Promise<void>>;
  /** Announces a candidate commit. */
  publish(candidate: SpeculationCandidate): Promise<void>;
  /** Removes a candidate commit (it landed, failed or is being rebuilt). */
  withdraw(commit: string): Promise<void>;
  /** True while some in-flight candidate is this commit. */
  isCandidate(commit: string): Promise<boolean>;
  /**
   * The head of the chain of candidates built on `tip` (or `tip` when there is none), stopping
   * before any candidate carrying one of `entryIds`: an entry never stacks on its own earlier
   * attempt.
   */
  baseFor(tip: string, entryIds: readonly string[]): Promise<string>;
  /**
   * Where a speculating worker builds next (see {@link pickSpeculativeBase}): the head of the
   * chain built on `tip`, unless that chain's next candidate is at risk or `maxInFlight`
   * candidates are in flight already; then the worker waits ({@link waitForChange}) and asks again.
   */
  speculativeBase(tip: string, entryIds: readonly string[], maxInFlight: number): Promise<SpeculativeBase>;
  /**
   * Resolves when a candidate may have been published or withdrawn since the call, after
   * `timeoutMs` at the latest, or when `signal` aborts. Waiting workers use it instead of polling.
   */
  waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * How many workers other than `owner` have a candidate in flight that is not `tip` (see
   * {@link checksInFlightBesides}): the check slots they hold, which a bisection checking several
   * probes at once leaves to them (`queue.strategy.max_in_flight`). Optional: without it, a
   * bisection checks one probe at a time.
   */
  checksInFlight?(tip: string, owner: string): Promise<number>;
}

/**
 * The workers other than `owner` with a candidate in `candidates` that is not `tip` (a candidate
 * whose commit is the tip has landed): one check each, as {@link pickSpeculativeBase} counts them.
 * A candidate stacked (directly or further up) on one at risk does not count: its checks are
 * being stopped (a speculative candidate's checks stop once its base turns red).
 */
export function checksInFlightBesides(
  candidates: readonly SpeculationCandidate[],
  tip: string,
  owner: string,
): number {
  const byCommit = new Map(candidates.map((candidate) => [candidate.commit, candidate]));
  const onRisk = (candidate: SpeculationCandidate): boolean => {
    const seen = new Set<string>();
    for (
      let parent = byCommit.get(candidate.parent);
      parent !== undefined;
      parent = byCommit.get(parent.parent)
    ) {
      if (parent.atRisk === true) return true;
      if (seen.has(parent.commit)) return false;
      seen.add(parent.commit);
    }
    return false;
  };
  return new Set(
    candidates
      .filter((candidate) => candidate.commit !== tip && candidate.owner !== owner && !onRisk(candidate))
      .map((candidate) => candidate.owner),
  ).size;
}

/** The board shared by the workers of one process. */
export class ProcessSpeculationBoard implements SpeculationBoard {
  private readonly candidates = new Map<string, SpeculationCandidate>();
  private readonly buildTurns = new TurnLine();
  private readonly waiters = new Set<() => void>();

  async takeBuildTurn(_owner: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    const release = await this.buildTurns.take(signal);
    return async () => release();
  }

  async publish(candidate: SpeculationCandidate): Promise<void> {
    this.candidates.set(candidate.commit, { ...candidate, entryIds: [...candidate.entryIds] });
    this.notify();
  }

  async withdraw(commit: string): Promise<void> {
    if (this.candidates.delete(commit)) this.notify();
  }

  async isCandidate(commit: string): Promise<boolean> {
    return this.candidates.has(commit);
  }

  async baseFor(tip: string, entryIds: readonly string[]): Promise<string> {
    const own = new Set(entryIds);
    let base = tip;
    for (let depth = 0; depth <= this.candidates.size; depth += 1) {
      const next = [...this.candidates.values()].find(
        (candidate) => candidate.parent === base && !candidate.entryIds.some((id) => own.has(id)),
      );
      if (next === undefined) return base;
      base = next.commit;
    }
    return base;
  }

  async speculativeBase(
    tip: string,
    entryIds: readonly string[],
    maxInFlight: number,
  ): Promise<SpeculativeBase> {
    return pickSpeculativeBase([...this.candidates.values()], tip, entryIds, maxInFlight);
  }

  async checksInFlight(tip: string, owner: string): Promise<number> {
    return checksInFlightBesides([...this.candidates.values()], tip, owner);
  }

  async waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return;
    const stop = new AbortController();
    const wake = (): void => stop.abort();
    this.waiters.add(wake);
    signal?.addEventListener('abort', wake, { once: true });
    try {
      await sleep(timeoutMs, undefined, { signal: stop.signal }).catch(() => undefined);
    } finally {
      this.waiters.delete(wake);
      signal?.removeEventListener('abort', wake);
    }
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
