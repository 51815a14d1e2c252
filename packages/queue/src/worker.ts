import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HyperionError, type QueueEntry } from '@hyperion/schema';
import type { PreparedChain, Worktree } from '@hyperion/git';
import { applyEntry } from './apply-entry.js';
import { conflictOnDependencies, stopCrashingEntry, unlandedDependencies } from './entry-prechecks.js';
import {
  buildCandidate,
  chainHead,
  publishCandidate,
  type BuiltCandidate,
  type UnappliedEntry,
} from './batch-build.js';
import { bisectAndLand, checkCandidate, landChain, type RoundContext } from './candidate-round.js';
import { prepareRunInOneGo } from './one-apply-run.js';
import { landingProof } from './commit-message.js';
import { EntryVerdicts, type EntryOutcome } from './entry-verdicts.js';
import { faultPoint } from './fault-points.js';
import { LeaseKeeper } from './lease-keeper.js';
import { runEntryChecks } from './run-entry-checks.js';
import { isStillStacked, standingOf } from './still-stacked.js';
import { rolledBackChangeId } from './rollback.js';
import { recordEntryEvents, type QueueRuntime } from './runtime.js';
import { maxCandidatesInFlight, strategyOf, type CandidatePlan } from './strategy/index.js';

/** What one {@link QueueWorker.processNext} call did to an entry. */
export type WorkOutcome = EntryOutcome | 'idle';

/** Errors that are the repository's or the store's problem: the entry is handed back uncharged. */
const REPOSITORY_PROBLEMS: ReadonlySet<string> = new Set([
  'branch_not_found',
  'remote_unavailable',
  'permission_denied',
  'store_missing',
  'store_corrupt',
  'store_unreachable',
]);

/**
 * How many times one build turn builds a candidate again because its speculative base turned red
 * while it was built (after that, the candidate is checked as it is).
 */
const MAX_BUILDS_PER_TURN = 3;

/**
 * The end of a worker's probe worktree's name, after the worker's id (stale ones are reclaimed
 * with the worker's own, see `MergeQueue.reclaimStaleWorktrees`).
 */
const PROBE_WORKTREE_SUFFIX = '-probe';

/** How many lost compare-and-swap races one attempt tolerates before it gives the leases back. */
const MAX_RACES_PER_ATTEMPT = 20;
/** How many stopped checks (their base turned red) an attempt rebuilds after without counting a race. */
const MAX_STOPS_PER_ATTEMPT = 100;

/**
 * One merge-queue worker with its own git worktree. Each {@link processNextCandidate} asks the
 * strategy (`queue.strategy`) how many entries to take, leases them (each its own lease), builds
 * one commit per entry on the target tip (or on other workers' candidates in flight, when the
 * strategy speculates), runs the checks once on the head of that chain and lands it by one
 * compare-and-swap; a red batch is bisected, each green prefix landing as soon as a probe finds it
 * (a red verdict seen once is confirmed by `flake_reruns` re-runs first), a lost race starts
 * over on the new tip.
 */
export class QueueWorker {
  /** The worker's id (lease owner, worktree name). */
  readonly id: string;
  private readonly runtime: QueueRuntime;
  private worktree: Worktree | undefined;
  /** The probe worktrees by slot (see {@link probeWorktreePathOf}), once a bisection needed them. */
  private readonly probeWorktrees = new Map<number, Worktree>();
  /** True from {@link readyWorktree} until the next reset: the worktree holds no untracked file. */
  private untrackedRemoved = false;

  constructor(runtime: QueueRuntime, id: string) {
    this.runtime = runtime;
    this.id = id;
  }

  /** The worktree directory of this worker. */
  get worktreePath(): string {
    return join(this.runtime.worktreesDirectory, this.id);
  }

  /** Processes the next candidate; the outcome of its first entry (`idle` when none was leased). */
  async processNext(): Promise<WorkOutcome> {
    return (await this.processNextCandidate())[0] ?? 'idle';
  }

  /**
   * Leases the entries of the next candidate (one, or a batch) and processes them; the outcome of
   * each, in lease order (`['idle']` when nothing was runnable).
   */
  async processNextCandidate(): Promise<WorkOutcome[]> {
    const { config, events, landing } = this.runtime;
    // A missing target branch is the repository's problem, not any entry's: nothing is leased.
    await landing.requireKnownTip(config.target_branch);
    const strategy = strategyOf(this.runtime);
    const plan = strategy.plan();
    const leases = new LeaseKeeper(this.runtime, this.id);
    const verdicts = new EntryVerdicts(this.runtime, this.id, leases, strategy);
    const outcomes = new Map<string, WorkOutcome>();
    const leased: string[] = [];
    try {
      await this.leaseCandidate(leases, verdicts, plan, outcomes, leased);
      if (leased.length === 0) {
        events.emit('worker:idle', { worker: this.id });
        return ['idle'];
      }
      await this.attempt(leases, verdicts, plan, outcomes);
    } catch (error) {
      await this.afterError(error, leases, verdicts, outcomes);
    } finally {
      leases.stop();
      // The candidate is settled and off the board: only now the conflict and quarantine hooks,
      // which may run agents for minutes (they never throw).
      await verdicts.runDeferredHooks();
    }
    return leased.map((id) => outcomes.get(id) ?? 'lease_lost');
  }

  /** The directory of this worker's (first) probe worktree, for bisection probes checked at once. */
  get probeWorktreePath(): string {
    return this.probeWorktreePathOf(1);
  }

  /**
   * The directory of this worker's probe worktree `slot` (1, 2, …): `<worktree>-probe`, then
   * `<worktree>-probe2`, …; each probe checked at once has its own.
   */
  probeWorktreePathOf(slot: number): string {
    return `${this.worktreePath}${PROBE_WORKTREE_SUFFIX}${slot === 1 ? '' : String(slot)}`;
  }

  /** Removes this worker's worktrees. */
  async dispose(): Promise<void> {
    const { repository } = this.runtime;
    for (const [slot, probe] of [...this.probeWorktrees]) {
      await repository.removeWorktree(probe.path);
      this.probeWorktrees.delete(slot);
    }
    if (this.worktree === undefined) return;
    await repository.removeWorktree(this.worktree.path);
    this.worktree = undefined;
  }

  /**
   * Leases up to the plan's batch size, waiting up to `batch_wait_ms` for more entries. An entry
   * charged an attempt before (it failed once) goes alone: it is never leased into a batch again;
   * leased as a later member, it is handed back uncharged and the batch closes.
   */
  private async leaseCandidate(
    leases: LeaseKeeper,
    verdicts: EntryVerdicts,
    plan: CandidatePlan,
    outcomes: Map<string, WorkOutcome>,
    leased: string[],
  ): Promise<void> {
    const { store, config, events, dryRun } = this.runtime;
    const lease = () => store.leaseNext(this.id, config.queue.lease_ms, config.target_branch);
    const first = await lease();
    if (first === undefined) return;
    leases.keep(first);
    leased.push(first.id);
    events.emit('entry:leased', { entry: first, worker: this.id });
    const size = dryRun || first.attempts > 1 ? 1 : plan.batchSize;
    const deadline = Date.now() + config.queue.strategy.batch_wait_ms;
    while (leases.entries.length < size) {
      const next = await lease();
      if (next === undefined) {
        const left = deadline - Date.now();
        if (left <= 0) return;
        await store.waitForChange(Math.min(left, config.queue.poll_ms), leases.signal);
        continue;
      }
      leases.keep(next);
      leased.push(next.id);
      events.emit('entry:leased', { entry: next, worker: this.id });
      if (next.attempts > 1) {
        const reason = `attempt ${next.attempts - 1} failed: it goes alone, not in a batch`;
        outcomes.set(next.id, await verdicts.returnFromBatch(next, reason, {}));
        return;
      }
    }
  }

  private async afterError(
    error: unknown,
    leases: LeaseKeeper,
    verdicts: EntryVerdicts,
    outcomes: Map<string, WorkOutcome>,
  ): Promise<void> {
    const held = leases.entries;
    if (HyperionError.isInstance(error) && error.code === 'lease_lost') {
      this.runtime.logger.warn({ worker: this.id }, error.message);
      // The candidate carried the lost entry's commit: the others go back uncharged. A lease that
      // may be lost is left alone: another worker may hold it now, or it expires.
      for (const entry of held) {
        if (!leases.mayHaveLost(entry.id)) {
          await verdicts.giveBack(entry, `another lease of the batch was lost: ${error.message}`);
        }
        outcomes.set(entry.id, 'lease_lost');
      }
      return;
    }
    if (HyperionError.isInstance(error) && REPOSITORY_PROBLEMS.has(error.code)) {
      // The branch went away, the remote does not answer, or the repository or store cannot be
      // written: not the change's fault. Hand the entries back uncharged and stop this worker
      // with the error; the next attempt first reads the tip, so a push that did land is found.
      for (const entry of held) await verdicts.giveBack(entry, error.message);
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.runtime.logger.error({ worker: this.id, error: message }, 'attempt failed');
    for (const entry of held) {
      try {
        // The error may have come after the branch moved (a batch's entries are marked landed
        // one by one): an entry already on the branch is landed, never charged for the error.
        const landedAs = await this.runtime.landing
          .findLandedChange(entry.target_branch, landingProof(entry))
          .catch(() => undefined);
        if (landedAs !== undefined) {
          outcomes.set(entry.id, await verdicts.alreadyLanded(entry, landedAs));
          continue;
        }
        outcomes.set(entry.id, await verdicts.fail(entry, `unexpected error: ${message}`, {}));
      } catch (failure) {
        // The lease went to another worker meanwhile: the entry is that worker's now.
        if (HyperionError.isInstance(failure) && failure.code === 'lease_lost') {
          outcomes.set(entry.id, 'lease_lost');
          continue;
        }
        throw failure;
      }
    }
  }

  private async attempt(
    leases: LeaseKeeper,
    verdicts: EntryVerdicts,
    plan: CandidatePlan,
    outcomes: Map<string, WorkOutcome>,
  ): Promise<void> {
    const signal = leases.signal;
    let stops = 0;
    for (let race = 0; race < MAX_RACES_PER_ATTEMPT; race += 1) {
      const open = await this.settleFinishedEntries(leases, verdicts, outcomes);
      if (open.length === 0) return;
      if (this.runtime.dryRun) {
        outcomes.set(open[0]!.id, await this.dryRunAttempt(open[0]!, verdicts, signal));
        return;
      }
      await this.readyWorktree();
      const prepared = await this.prepareAhead(open, plan);
      const built = await this.buildInTurn(open, plan, verdicts, signal, prepared);
      // From here on the candidate is published: whatever happens, it is withdrawn again (a
      // candidate left on a shared board would hold up every worker stacking on it or waiting).
      try {
        for (const unapplied of built.unapplied) {
          outcomes.set(unapplied.entry.id, await this.settleUnapplied(unapplied, verdicts));
        }
        for (const entry of built.deferred) {
          const reason =
            'returned uncharged: it applies on the tip but conflicts with a candidate in flight; tried again once that one settles';
          outcomes.set(entry.id, await verdicts.returnFromBatch(entry, reason, { base: built.base }));
        }
        if (built.links.length === 0) return;
        // Out of the build turn: a chain built in one go was never checked out, and the other
        // workers' builds need not wait for its files to be written.
        const head = chainHead(built);
        if (built.checkedOut === undefined) await this.prepareWorktree(head);
        else if (built.checkedOut !== head) await built.worktree.checkoutDetached(head);
        const context: RoundContext = {
          runtime: this.runtime,
          worker: this.id,
          verdicts,
          leases,
          outcomes,
          race,
          settledTip: (base) => this.settledTip(built.links[0]!.entry, base, signal, verdicts),
          baseDoomed: async () =>
            !(await this.stillStacked(
              built,
              built.links.map((link) => link.entry.id),
            )),
          probeWorktree: (slot) => this.openProbeWorktree(slot, head),
        };
        await faultPoint('before-checks', built.links[0]!.entry.id);
        const checks = await checkCandidate(context, built);
        if (checks === 'stopped') {
          // A check stopped because its base turned red is no race this candidate lost: it does
          // not count toward the attempt's races (up to a bound, so the attempt still ends).
          stops += 1;
          if (stops <= MAX_STOPS_PER_ATTEMPT) race -= 1;
          continue;
        }
        if (checks === 'rebuild') continue;
        const round = checks.passed
          ? await landChain(context, built, built.links)
          : await bisectAndLand(context, built, checks);
        if (round === 'done') return;
      } finally {
        if (built.links.length > 0) await this.runtime.speculation.withdraw(chainHead(built));
      }
    }
    for (const entry of leases.entries) {
      outcomes.set(
        entry.id,
        await verdicts.fail(entry, `lost ${MAX_RACES_PER_ATTEMPT} landing races in a row`, {}),
      );
    }
  }

  /**
   * Ends, before anything is built, the held entries that need no build: already on the branch
   * (found by their trailers), stopped for crashing their workers, or stacked on a change that
   * will not stay on the branch. Returns the others, in lease order.
   */
  private async settleFinishedEntries(
    leases: LeaseKeeper,
    verdicts: EntryVerdicts,
    outcomes: Map<string, WorkOutcome>,
  ): Promise<QueueEntry[]> {
    const { landing, config } = this.runtime;
    const tip = await landing.tip(config.target_branch);
    const open: QueueEntry[] = [];
    for (const entry of leases.entries) {
      const landedAs = await landing.findLandedChange(entry.target_branch, landingProof(entry));
      if (landedAs !== undefined) outcomes.set(entry.id, await verdicts.alreadyLanded(entry, landedAs));
      else if (entry.lease_expiries >= config.queue.max_lease_expiries) {
        outcomes.set(entry.id, await stopCrashingEntry(this.runtime, entry, verdicts));
      } else {
        const unlanded = await unlandedDependencies(this.runtime, entry);
        if (unlanded.length > 0) {
          outcomes.set(entry.id, await conflictOnDependencies(entry, unlanded, tip, verdicts));
        } else open.push(entry);
      }
    }
    return open;
  }

  /**
   * Builds the candidate in the speculation board's build turn: reads the tip, picks the base
   * (the head of the candidates in flight when the plan speculates; otherwise waits until no
   * candidate is in flight and takes the tip), builds and publishes the chain, then ends the turn.
   */
  private async buildInTurn(
    entries: QueueEntry[],
    plan: CandidatePlan,
    verdicts: EntryVerdicts,
    signal: AbortSignal,
    prepared: PreparedChain | undefined,
  ): Promise<BuiltCandidate> {
    const { landing, speculation, config } = this.runtime;
    const endTurn = await speculation.takeBuildTurn(this.id, signal).catch((error: unknown) => {
      throw signal.aborted ? verdicts.leaseLostError(entries[0]!) : error;
    });
    let built: BuiltCandidate | undefined;
    try {
      const ids = entries.map((entry) => entry.id);
      const context = {
        runtime: this.runtime,
        worker: this.id,
        // readyWorktree made it before the turn.
        worktree: this.worktree!,
        prepareWorktree: (commit: string) => this.prepareWorktree(commit),
      };
      for (let build = 1; ; build += 1) {
        let tip: string;
        let base: string;
        let slotFree = true;
        if (plan.speculate)
          ({ tip, base, slotFree } = await this.waitForSpeculativeBase(entries[0]!, ids, signal, verdicts));
        else {
          await this.waitForNoCandidate(entries[0]!, signal, verdicts);
          if (signal.aborted) throw verdicts.leaseLostError(entries[0]!);
          // Read the tip inside the turn: waiting for it may have taken a while.
          tip = await landing.tip(config.target_branch);
          base = tip;
        }
        // Every check slot taken: the candidate is built (and checked out) now, while the others
        // are checked, and published once a slot is free — its check then starts at once.
        built = await buildCandidate(context, entries, tip, base, randomUUID(), {
          publish: slotFree,
          ...(prepared === undefined ? {} : { prepared }),
        });
        const standing = slotFree
          ? await this.stillStacked(built, ids)
          : await this.waitForCheckSlot(built, ids, signal, verdicts);
        // The cap is for published candidates (checked as they are after it); one built ahead is
        // never published without a free slot: each rebuild of it waits for its base to settle.
        if (standing || (slotFree && build >= MAX_BUILDS_PER_TURN)) break;
        // The base turned red (or went) while the chain was built on it: a check of this
        // candidate would most likely be thrown away. Build again, once the base is settled.
        const doomed = built;
        built = undefined;
        if (slotFree) await speculation.withdraw(chainHead(doomed));
        await recordEntryEvents(
          this.runtime,
          doomed.links.map((link) => link.entry.id),
          'entry:race_lost',
          {
            expected_tip: doomed.base,
            note: slotFree
              ? 'the speculative base turned red or was withdrawn while this candidate was built; building again before any check'
              : 'the speculative base turned red or was withdrawn while this candidate waited for a check slot; building again before any check',
            build,
          },
          this.id,
        );
      }
    } catch (error) {
      // A candidate published before the error must not stay on the board with nobody to withdraw it.
      if (built !== undefined && built.links.length > 0)
        await speculation.withdraw(chainHead(built)).catch(() => undefined);
      await endTurn().catch(() => undefined);
      throw error;
    }
    // The loop above only ends with a candidate built (or by throwing).
    const candidate = built!;
    try {
      await endTurn();
    } catch (error) {
      // The turn could not be given back (the store failed): the published candidate must not
      // stay on the board with nobody to withdraw it.
      if (candidate.links.length > 0) await speculation.withdraw(chainHead(candidate)).catch(() => undefined);
      throw error;
    }
    return candidate;
  }

  /**
   * Before the build turn: applies the chain of `entries` (two or more) on the base it will most
   * likely be built on — the head of the candidates in flight when the plan speculates, else the
   * tip — in this worker's throw-away index, so that the build in the turn only writes trees and
   * commits (see `prepareRunInOneGo`; it carries over to another base when the entries' paths
   * hold the same there). The other workers' builds go on meanwhile. Undefined when there is
   * nothing to prepare or it failed: the build then applies the entries itself.
   */
  private async prepareAhead(entries: QueueEntry[], plan: CandidatePlan): Promise<PreparedChain | undefined> {
    if (entries.length < 2) return undefined;
    const { landing, speculation, config, logger } = this.runtime;
    try {
      // The tip as last seen (no fetch of a remote target for a guess): the build reads it again.
      const tip = await landing.knownTip(config.target_branch);
      if (tip === undefined) return undefined;
      const base = plan.speculate
        ? ((
            await speculation.speculativeBase(
              tip,
              entries.map((entry) => entry.id),
              maxCandidatesInFlight(config.queue.strategy),
            )
          ).base ?? tip)
        : tip;
      return await prepareRunInOneGo(this.worktree!, entries, base);
    } catch (error) {
      // Only the head start is lost: the build in the turn applies the entries, and reports there.
      logger.warn(
        { worker: this.id, error: error instanceof Error ? error.message : String(error) },
        'could not apply a chain ahead of its build',
      );
      return undefined;
    }
  }

  /**
   * Without speculation at most one candidate per branch is in flight: waits (woken by the
   * board, never polling) until no candidate is built on the tip and the tip itself is no longer
   * a candidate being settled.
   */
  private async waitForNoCandidate(
    entry: QueueEntry,
    signal: AbortSignal,
    verdicts: EntryVerdicts,
  ): Promise<void> {
    const { landing, speculation, config } = this.runtime;
    for (;;) {
      const tip = (await landing.knownTip(config.target_branch)) ?? (await landing.tip(config.target_branch));
      if ((await speculation.baseFor(tip, [])) === tip && !(await speculation.isCandidate(tip))) return;
      if (signal.aborted) throw verdicts.leaseLostError(entry);
      await speculation.waitForChange(config.queue.poll_ms, signal);
    }
  }

  /**
   * True unless `built` was stacked on another candidate that meanwhile turned red (it is at
   * risk), or was withdrawn without landing: then the chain this worker just built is doomed.
   */
  private async stillStacked(built: BuiltCandidate, ids: readonly string[]): Promise<boolean> {
    if (built.base === built.tip || built.links.length === 0) return true;
    const { speculation } = this.runtime;
    return isStillStacked(speculation, () => this.knownTipOr(built.tip), built.base, ids);
  }

  /** The target branch's tip as this repository last saw it, or `fallback` when never seen. */
  private async knownTipOr(fallback: string): Promise<string> {
    const { landing, config } = this.runtime;
    return (await landing.knownTip(config.target_branch)) ?? fallback;
  }

  /**
   * With speculation: the tip (read in the turn) and the base to build on, the head of the
   * candidates in flight on it. Waits first (woken by the board, never polling) while the
   * candidate this worker would stack on is at risk (a red chain being settled, a bisection
   * probe: a candidate built on it would most likely be thrown away). `slotFree` is false when
   * `queue.strategy.max_in_flight` candidates are already being checked: the candidate is then
   * built ahead and waits for a slot (`waitForCheckSlot`).
   */
  private async waitForSpeculativeBase(
    entry: QueueEntry,
    ids: readonly string[],
    signal: AbortSignal,
    verdicts: EntryVerdicts,
  ): Promise<{ tip: string; base: string; slotFree: boolean }> {
    const { landing, speculation, config } = this.runtime;
    const maxInFlight = maxCandidatesInFlight(config.queue.strategy);
    for (;;) {
      if (signal.aborted) throw verdicts.leaseLostError(entry);
      const tip = await landing.tip(config.target_branch);
      const choice = await speculation.speculativeBase(tip, ids, maxInFlight);
      if (choice.wait !== 'at_risk') return { tip, base: choice.base, slotFree: choice.wait === undefined };
      await speculation.waitForChange(config.queue.poll_ms, signal);
    }
  }

  /**
   * For a candidate built ahead while every check slot was taken (still in the build turn, not
   * published): checks it out, then waits (woken by the board) until a slot is free, and publishes
   * it if its base is still where a candidate goes. False, unpublished, when the base was doomed
   * meanwhile (it turned red or was withdrawn without landing).
   */
  private async waitForCheckSlot(
    built: BuiltCandidate,
    ids: readonly string[],
    signal: AbortSignal,
    verdicts: EntryVerdicts,
  ): Promise<boolean> {
    if (built.links.length === 0) return true;
    const { speculation, config } = this.runtime;
    const head = chainHead(built);
    if (built.checkedOut === undefined) await this.prepareWorktree(head);
    else if (built.checkedOut !== head) await built.worktree.checkoutDetached(head);
    built.checkedOut = head;
    const maxInFlight = maxCandidatesInFlight(config.queue.strategy);
    const readTip = () => this.knownTipOr(built.tip);
    for (;;) {
      if (signal.aborted) throw verdicts.leaseLostError(built.links[0]!.entry);
      const standing = await standingOf(speculation, readTip, built.base, ids, maxInFlight);
      if (standing === 'doomed') return false;
      if (standing === 'free') {
        await publishCandidate(this.runtime, this.id, built);
        return true;
      }
      await speculation.waitForChange(config.queue.poll_ms, signal);
    }
  }

  /** A patch that does not apply on the tip: conflicted (or quarantined, for a revert or a refusal). */
  private async settleUnapplied(
    { entry, applied }: UnappliedEntry,
    verdicts: EntryVerdicts,
  ): Promise<WorkOutcome> {
    if (applied.outcome === 'rejected') {
      await verdicts.finishWith(entry, 'quarantined', 'entry:quarantined', applied.reason, applied.data);
      return 'quarantined';
    }
    const revertOf = rolledBackChangeId(entry);
    if (revertOf !== undefined) {
      const reason = `the revert of ${revertOf} conflicts with changes that landed after it; it was not forced (${applied.reason})`;
      await verdicts.finishWith(entry, 'quarantined', 'entry:quarantined', reason, {
        report: applied.report,
      });
      return 'quarantined';
    }
    await verdicts.finishWith(entry, 'conflicted', 'entry:conflicted', applied.reason, {
      report: applied.report,
    });
    verdicts.afterConflict(entry);
    return 'conflicted';
  }

  /** A dry run: apply on the tip and check, nothing committed or landed. */
  private async dryRunAttempt(
    entry: QueueEntry,
    verdicts: EntryVerdicts,
    signal: AbortSignal,
  ): Promise<WorkOutcome> {
    const tip = await this.runtime.landing.tip(entry.target_branch);
    const worktree = await this.prepareWorktree(tip);
    const applied = await applyEntry(this.runtime, entry, worktree, tip, this.id);
    if (applied.outcome !== 'applied') return this.settleUnapplied({ entry, applied }, verdicts);
    await faultPoint('after-apply', entry.id);
    const checks = await runEntryChecks(this.runtime, entry, worktree.path, this.id, signal);
    if (signal.aborted) throw verdicts.leaseLostError(entry);
    const state = checks.passed ? 'dry-run-passed' : 'dry-run-failed';
    await verdicts.finishWith(entry, state, 'entry:dry_run_finished', checks.passed ? null : checks.reason, {
      tip,
      check: checks.failed ?? null,
    });
    return state;
  }

  /** Waits until `base` is no longer another worker's candidate in flight; returns the tip then. */
  private async settledTip(
    entry: QueueEntry,
    base: string,
    signal: AbortSignal,
    verdicts: EntryVerdicts,
  ): Promise<string | undefined> {
    const { landing, speculation, config } = this.runtime;
    while (await speculation.isCandidate(base)) {
      if (signal.aborted) throw verdicts.leaseLostError(entry);
      await speculation.waitForChange(config.queue.poll_ms, signal);
    }
    return landing.knownTip(config.target_branch);
  }

  private async prepareWorktree(tip: string): Promise<Worktree> {
    this.worktree ??= await this.openWorktree(tip);
    if (this.untrackedRemoved) {
      // Nothing was written in it since readyWorktree: a checkout makes it equal the commit.
      this.untrackedRemoved = false;
      await this.worktree.checkoutDetached(tip);
    } else await this.worktree.resetTo(tip);
    return this.worktree;
  }

  /**
   * Before the build turn: makes this worker's worktree (the first time) and removes every
   * untracked and ignored file from it, so that a reset to the chain's head (inside the turn for
   * an entry applied alone, after it for a chain built in one go) is a single checkout.
   */
  private async readyWorktree(): Promise<void> {
    const { landing, config } = this.runtime;
    this.untrackedRemoved = false;
    if (this.worktree === undefined) {
      const tip = (await landing.knownTip(config.target_branch)) ?? (await landing.tip(config.target_branch));
      this.worktree = await this.openWorktree(tip);
    }
    // A check killed mid-git (stopped, timed out) may have left the index locked.
    await this.worktree.removeStaleIndexLock();
    await this.worktree.removeUntrackedFiles();
    this.untrackedRemoved = true;
  }

  /** This worker's probe worktree `slot` (made at `commit` the first time); a probe resets it. */
  private async openProbeWorktree(slot: number, commit: string): Promise<Worktree> {
    let probe = this.probeWorktrees.get(slot);
    if (probe === undefined) {
      probe = await this.openWorktree(commit, this.probeWorktreePathOf(slot));
      this.probeWorktrees.set(slot, probe);
    }
    return probe;
  }

  /**
   * This worker's worktree. Its path is this worker's alone, so a directory there that git cannot
   * use (left half-made by a killed `git worktree add`) is deleted and the worktree made afresh.
   */
  private async openWorktree(commit: string, path = this.worktreePath): Promise<Worktree> {
    const { repository } = this.runtime;
    try {
      return await repository.ensureWorktree(path, commit);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.warn({ worker: this.id, error: message }, 'recreating an unusable worktree');
      await repository.removeWorktree(path).catch(() => undefined);
      await rm(path, { recursive: true, force: true });
      return repository.addWorktree(path, commit);
    }
  }
}
