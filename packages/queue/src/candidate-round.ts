import type { LandCommitResult } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import { chainHead, type BuiltCandidate, type ChainLink } from './batch-build.js';
import { findFirstRedPrefix } from './bisect.js';
import type { EntryVerdicts, EntryOutcome } from './entry-verdicts.js';
import { faultPoint } from './fault-points.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { runCandidateChecks, type CandidateBatch, type EntryChecksOutcome } from './run-entry-checks.js';
import { recordEntryEvent, type QueueRuntime } from './runtime.js';
import { strategyOf } from './strategy/index.js';

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
  type: Parameters<typeof recordEntryEvent>[2],
  data: Record<string, unknown>,
): Promise<void> {
  for (const entry of entries) await recordEntryEvent(context.runtime, entry.id, type, data, context.worker);
}

function throwIfLeaseLost(context: RoundContext, entries: readonly QueueEntry[]): void {
  if (context.leases.signal.aborted) throw context.verdicts.leaseLostError(entries[0]!);
}

/**
 * Runs the checks once on the candidate's head. A red batch (two entries or more) is run again up
 * to `queue.strategy.flake_reruns` times on the same tree; a pass after a failure is a flake,
 * recorded as `check:flaked` on every entry, and the batch goes on to land. A red result on a
 * speculative base whose predecessor then did not land is not the candidate's fault: `rebuild`.
 */
export async function checkCandidate(
  context: RoundContext,
  candidate: BuiltCandidate,
): Promise<EntryChecksOutcome | 'rebuild'> {
  const { runtime, worker, leases } = context;
  const entries = candidate.links.map((link) => link.entry);
  const batch = batchOf(candidate, candidate.links);
  const run = () =>
    runCandidateChecks(runtime, entries, candidate.worktree.path, worker, leases.signal, batch);
  let checks = await run();
  const failedRuns: string[] = [];
  for (
    let rerun = 0;
    !checks.passed && batch !== undefined && rerun < runtime.config.queue.strategy.flake_reruns;
    rerun += 1
  ) {
    throwIfLeaseLost(context, entries);
    failedRuns.push(checks.reason);
    checks = await run();
    if (checks.passed) {
      await recordOnEach(context, entries, 'check:flaked', {
        batch,
        reruns: rerun + 1,
        failed_runs: failedRuns,
        note: 'the batch check failed, then passed on the same tree: a flake, nobody evicted',
      });
    }
  }
  throwIfLeaseLost(context, entries);
  if (checks.passed) return checks;
  const { base, tip } = candidate;
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

/**
 * Lands the chain up to the last of `links` (a prefix of the candidate's chain whose exact head
 * tree passed the checks) with one compare-and-swap from the candidate's base; every entry of it
 * is then `landed` with its own commit. A lost race means `rebuild`; a held landing queues every
 * entry again uncharged.
 */
export async function landChain(
  context: RoundContext,
  candidate: BuiltCandidate,
  links: readonly ChainLink[],
): Promise<RoundResult> {
  const { verdicts, outcomes } = context;
  const head = links.at(-1)!.commit;
  const batch = batchOf(candidate, links);
  strategyOf(context.runtime).record(links.map(() => 'passed'));
  const landing = await landWhenReady(context, links, head, candidate.base);
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
    { expected_tip: candidate.base, current_tip: landing.currentTip ?? null, race: context.race + 1 },
  );
  return 'rebuild';
}

/**
 * A red candidate whose base is the real tip. One entry alone is charged an attempt. A batch is
 * bisected over the prefixes of its chain (the base, the empty prefix, is green; the whole chain
 * is red): the first entry whose prefix is red is the culprit and is charged an attempt, the
 * entries after it are handed back uncharged (`entry:batch_returned`), and the longest green
 * prefix — whose exact tree a probe checked — lands by one compare-and-swap. Entries that each
 * pass alone but fail together (a semantic conflict) are caught the same way.
 */
export async function bisectAndLand(
  context: RoundContext,
  candidate: BuiltCandidate,
  checks: FailedChecks,
): Promise<RoundResult> {
  const { runtime, worker, verdicts, outcomes, leases } = context;
  const { links, worktree } = candidate;
  await runtime.speculation.withdraw(chainHead(candidate));
  if (links.length === 1) {
    const entry = links[0]!.entry;
    outcomes.set(
      entry.id,
      await verdicts.checksFailed(entry, checks.reason, { check: checks.failed, commit: links[0]!.commit }),
    );
    return 'done';
  }
  const redChecks = new Map<number, FailedChecks>([[links.length, checks]]);
  const result = await findFirstRedPrefix(links.length, async (prefix) => {
    const prefixLinks = links.slice(0, prefix);
    const head = prefixLinks.at(-1)!.commit;
    await worktree.resetTo(head);
    const probe = await runCandidateChecks(
      runtime,
      prefixLinks.map((link) => link.entry),
      worktree.path,
      worker,
      leases.signal,
      { id: candidate.batchId, size: prefix, head },
    );
    throwIfLeaseLost(
      context,
      prefixLinks.map((link) => link.entry),
    );
    if (!probe.passed) redChecks.set(prefix, probe);
    return probe.passed;
  });
  const culprit = links[result.culprit]!;
  const batch = batchOf(candidate, links)!;
  await recordOnEach(
    context,
    links.map((link) => link.entry),
    'batch:bisected',
    { batch, culprit: culprit.entry.id, green_prefix: result.greenPrefix, runs: result.runs },
  );
  const red = redChecks.get(result.culprit + 1) ?? checks;
  const reason =
    result.culprit === 0
      ? red.reason
      : `${red.reason} (in batch ${batch.id} on top of ${result.culprit} entries that pass without it)`;
  outcomes.set(
    culprit.entry.id,
    await verdicts.checksFailed(culprit.entry, reason, { check: red.failed, commit: culprit.commit, batch }),
  );
  for (const link of links.slice(result.culprit + 1)) {
    outcomes.set(
      link.entry.id,
      await verdicts.returnFromBatch(
        link.entry,
        `returned uncharged: ${culprit.entry.id} broke batch ${batch.id}`,
        {
          batch,
          culprit: culprit.entry.id,
        },
      ),
    );
  }
  if (result.greenPrefix === 0) return 'done';
  return landChain(context, candidate, links.slice(0, result.greenPrefix));
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
