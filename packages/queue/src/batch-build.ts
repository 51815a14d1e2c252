import type { QueueEntry } from '@hyperion/schema';
import type { PreparedChain, Worktree } from '@hyperion/git';
import { applyEntry, conflictRestatedOnTip, type ApplyOutcome } from './apply-entry.js';
import { ChangesSinceTip } from './changes-since-tip.js';
import { commitEntry } from './commit-message.js';
import { faultPoint } from './fault-points.js';
import { applyRunInOneGo } from './one-apply-run.js';
import { recordEventsTogether, type PendingEntryEvent, type QueueRuntime } from './runtime.js';

/** One entry's commit in a candidate's chain. */
export interface ChainLink {
  entry: QueueEntry;
  /** The entry's own commit (with its own trailers). */
  commit: string;
  /** The commit it was made on: the candidate's base, or the previous link. */
  parent: string;
}

/** An entry whose patch did not go on the chain (it conflicts, or it was refused). */
export interface UnappliedEntry {
  entry: QueueEntry;
  applied: Exclude<ApplyOutcome, { outcome: 'applied' }>;
}

/** A candidate built in one build turn. */
export interface BuiltCandidate {
  /** The id shared by the events of this batch attempt. */
  batchId: string;
  /** The branch tip read in the turn. */
  tip: string;
  /** The commit the chain starts on: the tip, or the head of other workers' candidates. */
  base: string;
  /** One commit per entry, in landing order; empty when no patch applied. */
  links: ChainLink[];
  /** The entries not in the chain (they do not apply on the tip either). */
  unapplied: UnappliedEntry[];
  /**
   * The entries left out of a speculative chain that do apply on the tip: they conflict with a
   * candidate in flight, not with the branch. They go back to the queue uncharged, and are tried
   * again once that candidate has settled.
   */
  deferred: QueueEntry[];
  worktree: Worktree;
  /**
   * The commit the worktree was left at, undefined when the build never checked it out (nothing
   * was written in it). A chain built in one go is not checked out in the build turn: the worker
   * checks out its head after the turn, before the checks (a checkout alone once the build reset
   * it; see `QueueWorker`).
   */
  checkedOut: string | undefined;
}

/** What building a candidate needs from its worker. */
export interface BuildContext {
  runtime: QueueRuntime;
  worker: string;
  /** The worker's worktree, wherever it is now (nothing untracked in it). */
  worktree: Worktree;
  /** Resets the worker's worktree to `commit` and returns it. */
  prepareWorktree(commit: string): Promise<Worktree>;
}

/** The last commit of the chain: the candidate that is checked and landed. */
export function chainHead(candidate: Pick<BuiltCandidate, 'base' | 'links'>): string {
  return candidate.links.at(-1)?.commit ?? candidate.base;
}

/** At most this many refused one-applies in one build; then the rest goes one at a time. */
const MAX_REFUSED_ONE_APPLIES = 4;

/**
 * Applies and commits each entry, in order, on `base`: one commit per entry with its own
 * trailers, so each entry's landing stays provable on its own. An entry that does not apply is
 * left out and the next one goes on the same head (`applyEntry` resets to it). Each applied
 * entry's `entry:applied` event is added to `events`, for the caller to record.
 *
 * The result is the one of applying them one at a time, with fewer git runs: runs of two or more
 * entries go on in one `git apply` in a throw-away index (see {@link applyRunInOneGo}), with no
 * checkout. When git refuses a run, the entries its message names are set aside: the entries
 * before the first of them go on in one apply, that entry alone through `applyEntry` on a
 * checkout of the head it would have one at a time (so a wrong guess, or a clean three-way merge,
 * gives the same chain in the same order), then the rest again. Anything unexpected: the rest
 * goes one at a time. `checkedOut` says which commit the worktree is at: a chain built in one go
 * was never checked out, and the caller checks out its head (outside the build turn).
 */
async function buildChain(
  context: BuildContext,
  entries: readonly QueueEntry[],
  base: string,
  events: PendingEntryEvent[],
  options: { keepConflictReports: boolean; prepared: PreparedChain | undefined },
): Promise<{
  links: ChainLink[];
  unapplied: UnappliedEntry[];
  worktree: Worktree;
  checkedOut: string | undefined;
}> {
  let worktree = context.worktree;
  /** The commit the worktree is at (its files too), or undefined when not known. */
  let checkedOut: string | undefined;
  const checkOut = async (commit: string): Promise<void> => {
    if (checkedOut === commit) return;
    // Once reset in this build, only checkouts, `git apply --index` and commits run in it (and a
    // reset where one leaves files behind): a checkout alone makes it equal a commit.
    if (checkedOut === undefined) worktree = await context.prepareWorktree(commit);
    else await worktree.checkoutDetached(commit);
    checkedOut = commit;
  };
  const links: ChainLink[] = [];
  const unapplied: UnappliedEntry[] = [];
  let head = base;
  const remaining = [...entries];
  const suspects = new Set<QueueEntry>();
  let refused = 0;
  let oneApply = entries.length >= 2;
  while (remaining.length > 0) {
    const firstSuspect = remaining.findIndex((entry) => suspects.has(entry));
    const run = firstSuspect === -1 ? remaining : remaining.slice(0, firstSuspect);
    if (oneApply && run.length >= 2) {
      // The chain applied ahead (outside the turn) serves the run of every entry, wherever it goes.
      const together = await applyRunInOneGo(worktree, run, head, events, options.prepared);
      if (together.kind === 'applied') {
        links.push(...together.links);
        head = together.links.at(-1)!.commit;
        remaining.splice(0, run.length);
        continue;
      }
      if (together.kind === 'refused' && refused < MAX_REFUSED_ONE_APPLIES) {
        refused += 1;
        for (const suspect of together.suspects) suspects.add(suspect);
        continue;
      }
      oneApply = false;
      continue;
    }
    const entry = remaining.shift()!;
    suspects.delete(entry);
    await checkOut(head);
    const applied = await applyEntry(context.runtime, entry, worktree, head, context.worker, {
      deferEvent: true,
      interveningCommits: options.keepConflictReports,
    });
    if (applied.outcome !== 'applied') {
      // applyEntry leaves the worktree at the head (untouched, or reset to it).
      unapplied.push({ entry, applied });
      continue;
    }
    events.push({ id: entry.id, type: 'entry:applied', data: applied.event });
    await faultPoint('after-apply', entry.id);
    const commit = await commitEntry(worktree, entry);
    links.push({ entry, commit, parent: head });
    head = commit;
    checkedOut = commit;
  }
  return { links, unapplied, worktree, checkedOut };
}

/**
 * Builds the chain of `entries` on `base` (the head of the speculative candidates in flight, or
 * the tip). An entry that does not apply on a speculative base is tried on the tip: when it does
 * not apply there either it is left out as conflicted (a conflict reported is a real one, found
 * before any check run); when it does, it is `deferred` (it conflicts with a candidate in flight)
 * and the chain stays on the speculative base. Records `entry:applied` and `entry:committed` (and
 * `batch:formed` for several entries) on every entry of the chain, in one store transaction, and
 * publishes its head (unless `options.publish` is false: a candidate built ahead of a check slot
 * is published once it takes one, see {@link publishCandidate}). `options.prepared`, the chain of
 * `entries` applied ahead on the base the worker expected (`prepareRunInOneGo`), spares the build
 * its `git apply` when it carries over to `base`.
 * Called inside the build turn.
 */
export async function buildCandidate(
  context: BuildContext,
  entries: readonly QueueEntry[],
  tip: string,
  base: string,
  batchId: string,
  options: { publish?: boolean; prepared?: PreparedChain } = {},
): Promise<BuiltCandidate> {
  const { runtime, worker } = context;
  // Every entry:applied of the build (the trial of an entry on the tip too), then entry:committed
  // and batch:formed: one store transaction for them all.
  const events: PendingEntryEvent[] = [];
  // On a speculative base, an entry left out is tried on the tip, whose report is the one kept:
  // none is built (no git log) for the trial on the speculative base.
  const built = await buildChain(context, entries, base, events, {
    keepConflictReports: base === tip,
    prepared: options.prepared,
  });
  const deferred: QueueEntry[] = [];
  if (built.unapplied.length > 0 && base !== tip) {
    // Left out on a speculative base: conflicted only if it does not apply on the tip either.
    // One that does conflicts with a candidate in flight; building the whole chain on the tip
    // instead (beside that candidate) would lose the landing race to it for sure.
    const unapplied: UnappliedEntry[] = [];
    // Nothing untracked is in the worktree: it was cleaned before the turn, and only checkouts,
    // `git apply --index`, `read-tree -u` and commits ran in it since. A checkout alone makes it
    // equal a commit, as a reset (checkout and `git clean`) would, one git run fewer.
    const worktree = built.worktree;
    // Whether it is at the tip, as applyEntry leaves it when the patch is not on it.
    let atTip = false;
    let moved = false;
    const changes = new ChangesSinceTip(runtime, tip);
    for (const left of built.unapplied) {
      if (left.applied.outcome === 'rejected') {
        unapplied.push(left);
        continue;
      }
      if (await changes.sameForEntry(left.applied.report.tip, left.entry)) {
        // Its paths hold on the head it was tried on what they hold on the tip: the trial there
        // would come to the same conflict.
        unapplied.push({
          entry: left.entry,
          applied: await conflictRestatedOnTip(runtime, left.entry, left.applied, tip),
        });
        continue;
      }
      if (!atTip) await worktree.checkoutDetached(tip);
      moved = true;
      const applied = await applyEntry(runtime, left.entry, worktree, tip, worker, { deferEvent: true });
      atTip = applied.outcome !== 'applied';
      if (applied.outcome === 'applied') {
        events.push({ id: left.entry.id, type: 'entry:applied', data: applied.event });
        deferred.push(left.entry);
      } else unapplied.push({ entry: left.entry, applied });
    }
    built.unapplied = unapplied;
    if (moved) {
      built.checkedOut = built.links.at(-1)?.commit ?? base;
      await worktree.checkoutDetached(built.checkedOut);
    }
  }
  const candidate: BuiltCandidate = { batchId, tip, base, ...built, deferred };
  if (built.links.length === 0) {
    await recordEventsTogether(runtime, events, worker);
    return candidate;
  }
  const head = chainHead(candidate);
  const batch = { id: batchId, size: built.links.length, head };
  const ids = built.links.map((link) => link.entry.id);
  for (const link of built.links) {
    events.push({
      id: link.entry.id,
      type: 'entry:committed',
      data: {
        commit: link.commit,
        parent: link.parent,
        speculative: base !== tip,
        ...(batch.size > 1 ? { batch } : {}),
      },
    });
  }
  if (batch.size > 1) {
    for (const id of ids) events.push({ id, type: 'batch:formed', data: { batch, base, entries: ids } });
  }
  await recordEventsTogether(runtime, events, worker);
  if (options.publish !== false) await publishCandidate(runtime, worker, candidate);
  return candidate;
}

/** Announces `candidate` (built by `worker`, with at least one link) on the speculation board. */
export async function publishCandidate(
  runtime: QueueRuntime,
  worker: string,
  candidate: BuiltCandidate,
): Promise<void> {
  await runtime.speculation.publish({
    commit: chainHead(candidate),
    parent: candidate.base,
    entryIds: candidate.links.map((link) => link.entry.id),
    owner: worker,
  });
}
