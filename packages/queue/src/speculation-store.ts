import type { BuildTurnLine, SpeculationStore } from '@hyperion/store';
import { silentLogger, type QueueLogger } from './runtime.js';
import {
  checksInFlightBesides,
  pickSpeculativeBase,
  type SpeculationBoard,
  type SpeculationCandidate,
  type SpeculativeBase,
} from './speculation.js';
import { TurnLine } from './turn-line.js';

/** Options of {@link StoreSpeculationBoard}. */
export interface StoreSpeculationBoardOptions {
  /** The store every worker process of the queue shares. */
  store: SpeculationStore;
  /** The branch the candidates land on. */
  targetBranch: string;
  /**
   * The id of the git object database this process builds in (see `objectStoreId`), or a
   * function that finds it (called once, at first use). Candidates of other object databases are
   * never built on: their commits are not here.
   */
  location: string | (() => Promise<string>);
  /**
   * True when `commit` is in this process's repository. When given, a speculative base is checked
   * before it is handed out, and the tip is used instead when it is missing: a candidate whose
   * commit is not here never fails an attempt.
   */
  hasCommit?: (commit: string) => Promise<boolean>;
  /** How long a candidate lives without renewal (default 30 s); renewed every third of it. */
  candidateTtlMs?: number;
  /**
   * How long a build-turn ticket lives without renewal (default 10 s), renewed every third of it
   * while waiting and while held: a killed holder blocks the line for at most this long.
   */
  turnTtlMs?: number;
  /** Where renewal failures are reported; silent by default. */
  logger?: QueueLogger;
}

/**
 * The speculation board in the store, shared by every worker process of the queue (SPEC §3): the
 * candidates in flight and the build turn live in the store's tables, so a worker of one process
 * stacks its candidate on another process's, and the workers of every process take their build
 * turns in one line, first come first served. Waiters are woken by the store's change
 * notification (SQLite's `data_version`, PostgreSQL's `LISTEN/NOTIFY`), not a poll.
 *
 * Everything it holds expires unless renewed: this board renews its own candidates and tickets
 * on timers while their owners work, and a process that dies (SIGKILL) stops renewing, so its
 * candidates and its turn are gone for the others within their time to live.
 *
 * A candidate is only built on in the git object database it was built in (the `location`): for
 * a local target branch that is every worker process of the repository (worktrees share one
 * object database); for a remote target each clone is its own, so clones on different hosts
 * share neither candidates nor a turn line, and race at the remote's compare-and-swap as before.
 */
export class StoreSpeculationBoard implements SpeculationBoard {
  private readonly store: SpeculationStore;
  private readonly targetBranch: string;
  private readonly findLocation: () => Promise<string>;
  private location: Promise<string> | undefined;
  private readonly hasCommit: ((commit: string) => Promise<boolean>) | undefined;
  private readonly candidateTtlMs: number;
  private readonly turnTtlMs: number;
  private readonly logger: QueueLogger;
  /** This board's own candidates, renewed until withdrawn. */
  private readonly own = new Map<string, SpeculationCandidate>();
  private renewal: ReturnType<typeof setInterval> | undefined;
  /** The line of this process's workers for the build turn (see {@link takeBuildTurn}). */
  private readonly localTurns = new TurnLine();

  constructor(options: StoreSpeculationBoardOptions) {
    this.store = options.store;
    this.targetBranch = options.targetBranch;
    const location = options.location;
    this.findLocation = typeof location === 'string' ? () => Promise.resolve(location) : location;
    this.hasCommit = options.hasCommit;
    this.candidateTtlMs = options.candidateTtlMs ?? 30_000;
    this.turnTtlMs = options.turnTtlMs ?? 10_000;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Waits for the build turn of this target branch and object database, and returns the function
   * that gives it back.
   *
   * The workers of this process first line up here, in the process (a turn line); only the
   * first of them holds a ticket in the store's line. Several tickets of one process waiting in
   * the store's line would wake each other without end: each wake renews its ticket, a write that
   * wakes every other waiter of the process.
   */
  async takeBuildTurn(owner: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    signal?.throwIfAborted();
    const releaseLocal = await this.localTurns.take(signal);
    let releaseStore: () => Promise<void>;
    try {
      releaseStore = await this.takeStoreTurn(owner, signal);
    } catch (error) {
      releaseLocal();
      throw error;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      try {
        await releaseStore();
      } finally {
        releaseLocal();
      }
    };
  }

  /** @inheritdoc */
  async publish(candidate: SpeculationCandidate): Promise<void> {
    const copy = { ...candidate, entryIds: [...candidate.entryIds] };
    await this.store.publishCandidate(
      { ...copy, targetBranch: this.targetBranch, location: await this.lineLocation() },
      this.candidateTtlMs,
    );
    this.own.set(candidate.commit, copy);
    this.startRenewal();
  }

  /** @inheritdoc */
  async withdraw(commit: string): Promise<void> {
    this.own.delete(commit);
    if (this.own.size === 0) this.stopRenewal();
    await this.store.withdrawCandidate(this.targetBranch, commit);
  }

  /** @inheritdoc */
  async isCandidate(commit: string): Promise<boolean> {
    return (await this.store.listCandidates(this.targetBranch)).some(
      (candidate) => candidate.commit === commit,
    );
  }

  /** @inheritdoc */
  async baseFor(tip: string, entryIds: readonly string[]): Promise<string> {
    const location = await this.lineLocation();
    const candidates = (await this.store.listCandidates(this.targetBranch)).filter(
      (candidate) => candidate.location === location,
    );
    const mine = new Set(entryIds);
    let base = tip;
    for (let depth = 0; depth < candidates.length; depth += 1) {
      const next = candidates.find(
        (candidate) => candidate.parent === base && !candidate.entryIds.some((id) => mine.has(id)),
      );
      if (next === undefined) break;
      base = next.commit;
    }
    if (base !== tip && this.hasCommit !== undefined && !(await this.hasCommit(base))) {
      this.logger.warn({ base, tip }, 'a candidate commit is not in this repository; building on the tip');
      return tip;
    }
    return base;
  }

  /** @inheritdoc */
  async speculativeBase(
    tip: string,
    entryIds: readonly string[],
    maxInFlight: number,
  ): Promise<SpeculativeBase> {
    const location = await this.lineLocation();
    const candidates = (await this.store.listCandidates(this.targetBranch)).filter(
      (candidate) => candidate.location === location,
    );
    const choice = pickSpeculativeBase(candidates, tip, entryIds, maxInFlight);
    if (choice.wait === 'at_risk' || choice.base === tip || this.hasCommit === undefined) return choice;
    if (await this.hasCommit(choice.base)) return choice;
    this.logger.warn(
      { base: choice.base, tip },
      'a candidate commit is not in this repository; building on the tip',
    );
    return { ...choice, base: tip };
  }

  /** @inheritdoc */
  async checksInFlight(tip: string, owner: string): Promise<number> {
    const location = await this.lineLocation();
    const candidates = (await this.store.listCandidates(this.targetBranch)).filter(
      (candidate) => candidate.location === location,
    );
    return checksInFlightBesides(candidates, tip, owner);
  }

  /** @inheritdoc */
  waitForChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.store.waitForSpeculationChange(timeoutMs, signal);
  }

  /** Stops renewing this board's candidates (they expire); for a process that is shutting down. */
  close(): void {
    this.own.clear();
    this.stopRenewal();
  }

  /** A ticket in the store's line of build turns, renewed while it waits and while it is held. */
  private async takeStoreTurn(owner: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    const line = await this.line();
    const ttl = this.turnTtlMs;
    let { ticket, granted } = await this.store.enterBuildTurn(line, owner, ttl);
    try {
      while (!granted) {
        // Woken when a ticket ahead leaves; the timeout only keeps this ticket renewed.
        await this.store.waitForSpeculationChange(ttl / 3, signal);
        signal?.throwIfAborted();
        const state = await this.store.checkBuildTurn(line, ticket, ttl);
        if (state === 'granted') granted = true;
        else if (state === 'lost') ({ ticket, granted } = await this.store.enterBuildTurn(line, owner, ttl));
      }
    } catch (error) {
      await this.store.leaveBuildTurn(line, ticket).catch(() => undefined);
      throw error;
    }
    const held = setInterval(() => {
      this.store.checkBuildTurn(line, ticket, ttl).then(
        (state) => {
          if (state === 'lost') this.logger.warn({ worker: owner, ticket }, 'build turn expired while held');
        },
        (error: unknown) =>
          this.logger.warn({ worker: owner, error: messageOf(error) }, 'build turn renewal failed'),
      );
    }, ttl / 3);
    held.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(held);
      await this.store.leaveBuildTurn(line, ticket);
    };
  }

  private async line(): Promise<BuildTurnLine> {
    return { targetBranch: this.targetBranch, location: await this.lineLocation() };
  }

  private lineLocation(): Promise<string> {
    this.location ??= this.findLocation().catch((error: unknown) => {
      this.location = undefined;
      throw error;
    });
    return this.location;
  }

  private startRenewal(): void {
    if (this.renewal !== undefined) return;
    this.renewal = setInterval(() => void this.renewOwn(), this.candidateTtlMs / 3);
    this.renewal.unref();
  }

  private stopRenewal(): void {
    if (this.renewal === undefined) return;
    clearInterval(this.renewal);
    this.renewal = undefined;
  }

  private async renewOwn(): Promise<void> {
    const commits = [...this.own.keys()];
    try {
      const renewed = await this.store.renewCandidates(this.targetBranch, commits, this.candidateTtlMs);
      if (renewed >= commits.length) return;
      // Some expired (this process was stalled): publish the ones still in flight again.
      const location = await this.lineLocation();
      for (const [commit, candidate] of [...this.own]) {
        if (!this.own.has(commit)) continue;
        await this.store.publishCandidate(
          { ...candidate, entryIds: [...candidate.entryIds], targetBranch: this.targetBranch, location },
          this.candidateTtlMs,
        );
        // Withdrawn while it was being published again: withdraw it again.
        if (!this.own.has(commit)) await this.store.withdrawCandidate(this.targetBranch, commit);
      }
    } catch (error) {
      this.logger.warn({ error: messageOf(error) }, 'candidate renewal failed');
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
