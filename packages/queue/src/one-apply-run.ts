import type { QueueEntry } from '@hyperion/schema';
import type { ChainPatch, PreparedChain, Worktree } from '@hyperion/git';
import { entryCommitMessage, requireLandingProof } from './commit-message.js';
import { faultPoint } from './fault-points.js';
import type { PendingEntryEvent } from './runtime.js';

/** An entry's commit made by {@link applyRunInOneGo}, with the commit it was made on. */
export interface RunLink {
  /** The entry. */
  entry: QueueEntry;
  /** Its own commit. */
  commit: string;
  /** The commit it was made on: the run's head, or the previous entry's commit. */
  parent: string;
}

/** What {@link applyRunInOneGo} gives. */
export type RunOutcome =
  /** Every entry of the run committed, in order, on the head (the worktree left as it was). */
  | { kind: 'applied'; links: RunLink[] }
  /**
   * `git apply` refused the run and its message names only paths each declared by exactly one
   * entry of the run: those entries (in run order) are the ones to set aside.
   */
  | { kind: 'refused'; suspects: QueueEntry[] }
  /** Anything else: the entries are applied one at a time, on a checkout of the head. */
  | { kind: 'unusable' };

/**
 * Commits `run` (two or more entries) on `head` with one `git apply`, in a throw-away index (see
 * `Worktree.tryCommitChainOn`): one commit per entry with the tree it would have one at a time,
 * and for each its `entry:applied` event (as `applyEntry` records it for a direct apply) added to
 * `events`. The worktree is not touched, wherever it is: the caller checks out the chain's head
 * before anything runs in it. A path at or under a symlink (in `head` or in the result) makes the
 * run `unusable`: one at a time, `applyEntry` checks the files. When git refuses the run, the
 * entries whose declared paths its message names are returned as suspects: a guess only, which
 * the caller verifies by applying each of them alone on the head it would have one at a time.
 */
export async function applyRunInOneGo(
  worktree: Worktree,
  run: readonly QueueEntry[],
  head: string,
  events: PendingEntryEvent[],
  prepared?: PreparedChain,
): Promise<RunOutcome> {
  const result = await worktree.tryCommitChainOn(
    head,
    chainPatchesOf(run),
    prepared === undefined ? {} : { prepared },
  );
  if (result.commits === undefined) {
    const suspects = suspectsNamed(run, result.failedPaths);
    return suspects === undefined ? { kind: 'unusable' } : { kind: 'refused', suspects };
  }
  const links: RunLink[] = [];
  let parent = head;
  for (const [index, entry] of run.entries()) {
    await faultPoint('after-apply', entry.id);
    const commit = await requireLandingProof(worktree, entry, result.commits[index]!);
    events.push({ id: entry.id, type: 'entry:applied', data: { tip: parent, mode: 'direct' } });
    links.push({ entry, commit, parent });
    parent = commit;
  }
  return { kind: 'applied', links };
}

/**
 * Applies `run` (two or more entries) on `base` ahead of its build, outside the build turn (see
 * `Worktree.prepareChainOn`): given to {@link applyRunInOneGo} for the same entries, the build
 * then runs no `git apply` when the head it builds on holds the entries' paths as `base` does.
 * Undefined when the run would not go on in one apply there.
 */
export function prepareRunInOneGo(
  worktree: Worktree,
  run: readonly QueueEntry[],
  base: string,
): Promise<PreparedChain | undefined> {
  return worktree.prepareChainOn(base, chainPatchesOf(run));
}

/** The patches of `run`'s chain, each with its entry's commit message. */
function chainPatchesOf(run: readonly QueueEntry[]): ChainPatch[] {
  return run.map((entry) => ({ patch: entry.patch, message: entryCommitMessage(entry) }));
}

/**
 * The entries of `run` that declare the `failedPaths` git named, in run order; undefined unless
 * every path is declared by exactly one entry of the run.
 */
function suspectsNamed(
  run: readonly QueueEntry[],
  failedPaths: readonly string[] | undefined,
): QueueEntry[] | undefined {
  if (failedPaths === undefined || failedPaths.length === 0) return undefined;
  const named = new Set<QueueEntry>();
  for (const path of failedPaths) {
    const owners = run.filter((entry) => entry.paths.includes(path));
    if (owners.length !== 1) return undefined;
    named.add(owners[0]!);
  }
  return run.filter((entry) => named.has(entry));
}
