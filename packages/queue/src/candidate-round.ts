import type { LandCommitResult, Worktree } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import { chainHead, type BuiltCandidate, type ChainLink } from './batch-build.js';
import type { EntryVerdicts, EntryOutcome } from './entry-verdicts.js';
import { faultPoint } from './fault-points.js';
import type { LeaseKeeper } from './lease-keeper.js';
import {
  runCandidateChecks,
  runCandidateChecksUnlessStopped,
  type CandidateBatch,
  type EntryChecksOutcome,
} from './run-entry-checks.js';
import { recordEntryEvents, type QueueRuntime } from './runtime.js';
import { followedSuspect, hintedProbeLengths, MAX_HINTED_ROUNDS, suspectsIn } from './culprit-hints.js';
import { bisectionConcurrency, maxCandidatesInFlight, strategyOf } from './strategy/index.js';

/** What one round of a candidate (check, land or bisect) needs from its worker. */
export interface RoundContext {
  runtime: QueueRuntime;
  worker: string;
  verdicts: EntryVerdicts;
  leases: LeaseKeeper;
  /** The outcome of each entry settled so far, by id. */
  outcomes: Map<string, EntryOutcome | 'idle'>;
  /** The 0-based number of the current round (lost races so far). */
  race: number;
  /** Waits until `base` is no longer a candidate in flight; the tip then. */
  settledTip(base: string): Promise<string | undefined>;
  /**
   * True when the candidate's speculative base turned red (it is at risk) or was withdrawn
   * without landing: a verdict of the candidate would most likely be thrown away.
   */
  baseDoomed(): Promise<boolean>;
  /**
   * The worker's probe worktree number `slot` (1, 2, …; one per probe checked beside the one in
   * the candidate's worktree: two probes never share a worktree), made on first use.
   */
  probeWorktree(slot: number): Promise<Worktree>;
}

/** `done`: every entry of the round is settled. `rebuild`: build again on the new tip. */
export type RoundResult = 'done' | 'rebuild';

type FailedChecks = Extract<EntryChecksOutcome, { passed: false }>;

function batchOf(candidate: BuiltCandidate, links: readonly ChainLink[]): CandidateBatch | undefined {
  if (candidate.links.length < 2) return undefined;
  return { id: candidate.batchId, size: links.length, head: links.at(-1)!.commit };
}

async function recordOnEach(
  context: RoundContext,
  entries: readonly QueueEntry[],
  type: Parameters<typeof recordEntryEvents>[2],
  data: Record<string, unknown>,
): Promise<void> {
  await recordEntryEvents(
    context.runtime,
    entries.map((entry) => entry.id),
    type,
    data,
    context.worker,
  );
}

function throwIfLeaseLost(context: RoundContext, entries: readonly QueueEntry[]): void {
  if (context.leases.signal.aborted) throw context.verdicts.leaseLostError(entries[0]!);
}

/**
 * Runs the checks once on the candidate's head. A red result on a speculative base whose
 * predecessor then did not land is not the candidate's fault: `rebuild`. A red batch is not run
 * again here: {@link bisectAndLand} confirms a red verdict before it charges anyone.
 *
 * On a speculative base, the checks are stopped as soon as that base turns red or is withdrawn
 * without landing (`entry:race_lost`, then `stopped`: rebuilt, no race counted): their verdict would be thrown away, and
 * the check slot they hold is the one the red base's bisection needs for its probes.
 */
export async function checkCandidate(
  context: RoundContext,
  candidate: BuiltCandidate,
): Promise<EntryChecksOutcome | 'rebuild' | 'stopped'> {
  const { runtime, worker, leases } = context;
  const entries = candidate.links.map((link) => link.entry);
  const batch = batchOf(candidate, candidate.links);
  const speculative = candidate.base !== candidate.tip;
  const stop = speculative ? new AbortController() : undefined;
  const watching = stop === undefined ? undefined : stopWhenBaseDoomed(context, stop);
  let checks: EntryChecksOutcome | 'stopped';
  try {
    checks = await runCandidateChecksUnlessStopped(
      runtime,
      entries,
      candidate.worktree.path,
      worker,
      leases.signal,
      batch,
      stop?.signal,
    );
  } finally {
    stop?.abort();
    await watching;
  }
  throwIfLeaseLost(context, entries);
  if (checks === 'stopped') {
    await recordOnEach(context, entries, 'entry:race_lost', {
      expected_tip: candidate.base,
      note: 'the speculative base turned red or was withdrawn while this candidate was checked: its check was stopped; rebuilding',
      race: context.race + 1,
    });
    return 'stopped';
  }
  if (checks.passed) return checks;
  const { base, tip } = candidate;
  // Red once: most likely red for good. Marked at risk so that nobody stacks on it while it is
  // settled (its predecessor awaited, its red verdict confirmed, or the batch bisected).
  await runtime.speculation.publish({
    commit: chainHead(candidate),
    parent: base,
    entryIds: entries.map((entry) => entry.id),
    owner: worker,
    atRisk: true,
  });
  if (base !== tip && (await context.settledTip(base)) !== base) {
    await recordOnEach(context, entries, 'entry:race_lost', {
      expected_tip: base,
      note: 'the speculative base did not land; rebuilding on the tip',
      race: context.race + 1,
    });
    return 'rebuild';
  }
  return checks;
}

/** How long after its check starts a speculative candidate's base is first looked at, at most. */
const FIRST_LOOK_MS = 50;

/**
 * Aborts `stop` once the candidate's base is doomed ({@link RoundContext.baseDoomed}); returns
 * when it is aborted (by this or by the caller, once the checks are over). Woken by the board.
 * A failure to read the board aborts `stop` too.
 */
async function stopWhenBaseDoomed(context: RoundContext, stop: AbortController): Promise<void> {
  const { speculation, config } = context.runtime;
  try {
    // The base stood when the build turn ended, a moment ago: the first look is after a short
    // wait (or a change of the board), so a check that ends at once costs no read of the board.
    let wait = Math.min(config.queue.poll_ms, FIRST_LOOK_MS);
    while (!stop.signal.aborted) {
      await speculation.waitForChange(wait, stop.signal);
      wait = config.queue.poll_ms;
      if (stop.signal.aborted) return;
      if (await context.baseDoomed()) {
        stop.abort();
        return;
      }
    }
  } catch (error) {
    // Unwatched, a check stacked on a base that turns red would go on holding a slot that a
    // bisection counts as free (see checksInFlightBesides): stopped and rebuilt instead.
    context.runtime.logger.warn(
      { worker: context.worker, error: error instanceof Error ? error.message : String(error) },
      'could not watch the speculative base; the checks are stopped and the candidate rebuilt',
    );
    stop.abort();
  }
}

/**
 * Lands the chain up to the last of `links` (links of the candidate's chain whose exact head
 * tree passed the checks) with one compare-and-swap from `base` (the candidate's base, or the
 * last link landed before them); every entry of it
 * is then `landed` with its own commit. A lost race means `rebuild`; a held landing queues every
 * entry again uncharged.
 */
export async function landChain(
  context: RoundContext,
  candidate: BuiltCandidate,
  links: readonly ChainLink[],
  base: string = candidate.base,
): Promise<RoundResult> {
  const { verdicts, outcomes } = context;
  const head = links.at(-1)!.commit;
  const batch = batchOf(candidate, links);
  strategyOf(context.runtime).record(links.map(() => 'passed'));
  const landing = await landWhenReady(context, links, head, base);
  if (landing.status === 'landed') {
    await faultPoint('after-ref-update', links[0]!.entry.id);
    for (const link of links) {
      const data = { parent: link.parent, ...(batch === undefined ? {} : { batch }) };
      outcomes.set(link.entry.id, await verdicts.landed(link.entry, link.commit, data));
    }
    return 'done';
  }
  if (landing.status === 'held') {
    for (const link of links) {
      outcomes.set(link.entry.id, await verdicts.held(link.entry, landing.reason, landing.worktreePath));
    }
    return 'done';
  }
  await recordOnEach(
    context,
    links.map((link) => link.entry),
    'entry:race_lost',
    { expected_tip: base, current_tip: landing.currentTip ?? null, race: context.race + 1 },
  );
  return 'rebuild';
}

/**
 * A red candidate whose base is the real tip. One entry alone is charged an attempt. A batch is
 * bisected over the prefixes of its chain (the base, the empty prefix, is green; the whole chain
 * is red), `queue.strategy.bisect_concurrency` probes at once (see {@link hintedProbeLengths}; the
 * second and later ones in the worker's probe worktree), and the longest prefix a round finds
 * green lands at once, by one compare-and-swap from the last landing, before the rest is
 * bisected: the exact tree the probe checked becomes the tip.
 * The probed prefix is the board's candidate while it is checked (in place of the chain head),
 * marked at risk: other workers wait for its verdict rather than stack on it. The first entry whose
 * prefix is red is the culprit; the entries after it are handed back uncharged
 * (`entry:batch_returned`). Entries that each pass alone but fail together (a semantic conflict)
 * are caught the same way.
 *
 * A red verdict is confirmed before anyone is charged: when the culprit's red prefix is a probe,
 * two runs were red (the whole chain and the probe). When it is the whole chain (the culprit is
 * the last entry, every probe green), that one run is repeated up to
 * `queue.strategy.flake_reruns` times; a pass is a flake (`check:flaked` on every entry) and the
 * chain lands. So a flaky check evicts nobody, and a red batch costs no re-run up front.
 */
export async function bisectAndLand(
  context: RoundContext,
  candidate: BuiltCandidate,
  checks: FailedChecks,
): Promise<RoundResult> {
  const { runtime, verdicts, outcomes } = context;
  const { links } = candidate;
  if (links.length === 1) {
    await runtime.speculation.withdraw(chainHead(candidate));
    const entry = links[0]!.entry;
    outcomes.set(
      entry.id,
      await verdicts.checksFailed(entry, checks.reason, { check: checks.failed, commit: links[0]!.commit }),
    );
    return 'done';
  }
  const batch = batchOf(candidate, links)!;
  const bisection = new LandingBisection(context, candidate, checks);
  try {
    const result = await bisection.run();
    if (result === 'rebuild') return 'rebuild';
    if (result === 'held') {
      // The branch cannot take landings now: what is not settled goes back uncharged.
      for (const link of links) {
        if (outcomes.has(link.entry.id)) continue;
        outcomes.set(
          link.entry.id,
          await verdicts.returnFromBatch(
            link.entry,
            `returned uncharged: a landing of batch ${batch.id} was held`,
            {
              batch,
            },
          ),
        );
      }
      return 'done';
    }
    if (result.culprit === undefined) return 'done';
    const { index, runs, hintedRounds } = result.culprit;
    const culprit = links[index]!;
    await recordOnEach(
      context,
      links.map((link) => link.entry),
      'batch:bisected',
      { batch, culprit: culprit.entry.id, green_prefix: index, runs, hinted_rounds: hintedRounds },
    );
    const red = bisection.redChecks.get(index + 1) ?? checks;
    const reason =
      index === 0
        ? red.reason
        : `${red.reason} (in batch ${batch.id} on top of ${index} entries that pass without it)`;
    outcomes.set(
      culprit.entry.id,
      await verdicts.checksFailed(culprit.entry, reason, {
        check: red.failed,
        commit: culprit.commit,
        batch,
      }),
    );
    for (const link of links.slice(index + 1)) {
      outcomes.set(
        link.entry.id,
        await verdicts.returnFromBatch(
          link.entry,
          `returned uncharged: ${culprit.entry.id} broke batch ${batch.id}`,
          { batch, culprit: culprit.entry.id },
        ),
      );
    }
    return 'done';
  } finally {
    await bisection.withdrawProbe();
  }
}

/**
 * How a {@link LandingBisection} ended: the culprit found, every entry landed (a flake), the
 * branch moved under it (`rebuild` what is left), or a landing was held (`held`).
 */
type BisectionEnd = { culprit?: { index: number; runs: number; hintedRounds: number } } | 'rebuild' | 'held';

/** The bisection of one red batch, landing each green prefix as soon as a probe finds it. */
class LandingBisection {
  /** The red check result of each prefix length found red. */
  readonly redChecks: Map<number, FailedChecks>;
  private readonly links: readonly ChainLink[];
  /** How many leading links have landed; the tip is then `landedBase`. */
  private landed = 0;
  private landedBase: string;
  /** The commit this bisection has on the board (the chain head at first, then each probe). */
  private published: string | undefined;
  /** The links the newest red output points at (see {@link suspectsIn}), by index. */
  private suspects: number[];

  constructor(
    private readonly context: RoundContext,
    private readonly candidate: BuiltCandidate,
    red: FailedChecks,
  ) {
    this.links = candidate.links;
    this.landedBase = candidate.base;
    this.published = chainHead(candidate);
    this.redChecks = new Map();
    this.suspects = this.suspectsOf(red, this.links.length);
  }

  /**
   * The links the output of `red` (the checks of the prefix of `length` links) points at, when
   * `queue.strategy.culprit_hints` is on.
   */
  private suspectsOf(red: FailedChecks, length: number): number[] {
    if (!this.context.runtime.config.queue.strategy.culprit_hints) return [];
    return suspectsIn(
      red.failed.output,
      this.links.slice(0, length).map((link) => link.entry.paths),
    );
  }

  async run(): Promise<BisectionEnd> {
    let red = this.links.length;
    let runs = 0;
    let hintedRounds = 0;
    const concurrency = bisectionConcurrency(this.context.runtime.config);
    while (red - this.landed > 1) {
      // A hint is followed for a few rounds at most: wrong ones cannot make a bisection long.
      const suspect =
        hintedRounds < MAX_HINTED_ROUNDS ? followedSuspect(this.landed, red, this.suspects) : undefined;
      if (suspect !== undefined) hintedRounds += 1;
      const lengths = hintedProbeLengths(this.landed, red, await this.probeSlots(concurrency), suspect);
      runs += lengths.length;
      const results = await this.probeAll(lengths);
      // The longest green probe lands (the exact tree it checked); the culprit is sought below the
      // shortest red probe above it. A red probe below a green one is contradicted by it (a flake,
      // or an entry whose breakage a later one repairs) and is not held against anyone.
      let green = this.landed;
      for (const [index, length] of lengths.entries()) if (results[index]!.passed) green = length;
      for (const [index, length] of lengths.entries()) {
        const result = results[index]!;
        if (result.passed || length < green) continue;
        this.redChecks.set(length, result);
        red = length;
        // The shortest red output names fewer suspects; the older ones stand when it names none.
        const suspects = this.suspectsOf(result, length);
        if (suspects.some((index) => index >= green)) this.suspects = suspects;
        break;
      }
      if (green > this.landed) {
        const landing = await this.landPrefix(green);
        if (landing !== 'done') return landing;
      }
    }
    if (red === this.links.length) {
      // Only the first run of the whole chain was red: run it again before charging its last entry.
      const reruns = this.context.runtime.config.queue.strategy.flake_reruns;
      const failedRuns: string[] = [this.redChecks.get(red)?.reason ?? 'the batch check failed'];
      for (let rerun = 0; rerun < reruns; rerun += 1) {
        runs += 1;
        const again = await this.probe(red);
        if (!again.passed) {
          this.redChecks.set(red, again);
          failedRuns.push(again.reason);
          continue;
        }
        await recordOnEach(
          this.context,
          this.links.map((link) => link.entry),
          'check:flaked',
          {
            batch: batchOf(this.candidate, this.links),
            reruns: rerun + 1,
            failed_runs: failedRuns,
            note: 'the batch check failed, then passed on the same tree: a flake, nobody evicted',
          },
        );
        const landing = await this.landPrefix(red);
        return landing === 'done' ? {} : landing;
      }
    }
    return { culprit: { index: red - 1, runs, hintedRounds } };
  }

  /**
   * How many probes the next round checks at once: `concurrency`, within the check slots
   * (`queue.strategy.max_in_flight`) the other workers' candidates in flight leave free, and at
   * least one. One when the board cannot count them. The count is read when the round starts,
   * not reserved: a candidate another worker publishes at that moment (its base chosen before
   * this bisection's chain turned red) is not seen, and the round may then check one more.
   */
  private async probeSlots(concurrency: number): Promise<number> {
    const { speculation, config } = this.context.runtime;
    if (concurrency <= 1 || speculation.checksInFlight === undefined) return 1;
    const others = await speculation.checksInFlight(this.landedBase, this.context.worker);
    return Math.max(1, Math.min(concurrency, maxCandidatesInFlight(config.queue.strategy) - others));
  }

  /** Withdraws what this bisection still has on the board. */
  async withdrawProbe(): Promise<void> {
    const published = this.published;
    this.published = undefined;
    if (published !== undefined) await this.context.runtime.speculation.withdraw(published);
  }

  /**
   * Checks the prefixes of the first `lengths[i]` links (ascending) at once, the first in the
   * candidate's worktree and each other in the worker's probe worktree, with the longest one's
   * head on the board in place of what this bisection had there (it stands for them all: the
   * others are its ancestors). Every probe ends before this returns, even when one of them throws.
   */
  private async probeAll(lengths: readonly number[]): Promise<EntryChecksOutcome[]> {
    const longest = lengths.at(-1)!;
    await this.swapOnBoard(this.links[longest - 1]!.commit, this.links.slice(this.landed, longest));
    const worktrees = [this.candidate.worktree];
    for (let index = 1; index < lengths.length; index += 1)
      worktrees.push(await this.context.probeWorktree(index));
    // The longest probe stays on the board for them all: the others do not swap themselves in.
    const settled = await Promise.allSettled(
      lengths.map((length, index) => this.probe(length, worktrees[index]!, { swap: false })),
    );
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return settled.map((result) => (result as PromiseFulfilledResult<EntryChecksOutcome>).value);
  }

  /**
   * Checks the prefix of the first `length` links, its head checked out in `worktree`; that head
   * is put on the board first unless `swap` is false (the caller put a longer one there).
   */
  private async probe(
    length: number,
    worktree: Worktree = this.candidate.worktree,
    options: { swap: boolean } = { swap: true },
  ): Promise<EntryChecksOutcome> {
    const { runtime, worker, leases } = this.context;
    const probeLinks = this.links.slice(this.landed, length);
    const head = this.links[length - 1]!.commit;
    if (options.swap) await this.swapOnBoard(head, probeLinks);
    // A probe killed mid-git at a lost lease may have left its index locked.
    await worktree.removeStaleIndexLock();
    await worktree.resetTo(head);
    const checks = await runCandidateChecks(
      runtime,
      probeLinks.map((link) => link.entry),
      worktree.path,
      worker,
      leases.signal,
      { id: this.candidate.batchId, size: length, head },
    );
    throwIfLeaseLost(
      this.context,
      probeLinks.map((link) => link.entry),
    );
    return checks;
  }

  /**
   * Lands the links up to `length` (a prefix a probe found green) from the last landing; `held`
   * when the landing was held (those entries are `held`, see {@link landChain}).
   */
  private async landPrefix(length: number): Promise<RoundResult | 'held'> {
    const result = await landChain(
      this.context,
      this.candidate,
      this.links.slice(this.landed, length),
      this.landedBase,
    );
    if (result === 'rebuild') return 'rebuild';
    const last = this.links[length - 1]!;
    if (this.context.outcomes.get(last.entry.id) !== 'landed') return 'held';
    this.landed = length;
    this.landedBase = last.commit;
    return 'done';
  }

  /**
   * Puts `head` (built on the last landing) on the board in place of the commit this bisection
   * had there: published first, then the old one withdrawn, so the branch never looks free of
   * candidates meanwhile (a worker that does not speculate waits for that). Not in the build
   * turn: a worker that does not speculate holds the turn while it waits for no candidate to be
   * in flight, so a bisection waiting for the turn would wait for itself.
   */
  private async swapOnBoard(head: string, probeLinks: readonly ChainLink[]): Promise<void> {
    if (this.published === head) return;
    const { runtime, worker } = this.context;
    await runtime.speculation.publish({
      commit: head,
      parent: this.landedBase,
      entryIds: probeLinks.map((link) => link.entry.id),
      owner: worker,
      // A probe of a red batch is red about half the time: nobody stacks on it.
      atRisk: true,
    });
    const previous = this.published;
    this.published = head;
    if (previous !== undefined) await runtime.speculation.withdraw(previous);
  }
}

/**
 * Lands `head` once the branch tip is `base`. While that base is another worker's candidate still
 * in flight, waits for it; once the base is neither the tip nor in flight, the race is lost.
 */
async function landWhenReady(
  context: RoundContext,
  links: readonly ChainLink[],
  head: string,
  base: string,
): Promise<LandCommitResult> {
  const { landing, speculation, config } = context.runtime;
  for (;;) {
    if (!(await context.leases.renewAllIfDue())) throw context.verdicts.leaseLostError(links[0]!.entry);
    // Read whether the base is in flight before reading the tip: a predecessor that lands in
    // between is then seen as the tip, not mistaken for a lost race.
    const baseInFlight = await speculation.isCandidate(base);
    const current = await landing.knownTip(config.target_branch);
    if (current === base) return landing.land(config.target_branch, head, base);
    if (!baseInFlight) return { status: 'race_lost', currentTip: current };
    await speculation.waitForChange(config.queue.poll_ms, context.leases.signal);
  }
}
