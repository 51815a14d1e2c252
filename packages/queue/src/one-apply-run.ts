import type { QueueEntry } from '@hyperion/schema';
import type { Worktree } from '@hyperion/git';
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
  /** Every entry of the run committed, in order; the worktree is at the last commit. */
  | { kind: 'applied'; links: RunLink[] }
  /**
   * `git apply` refused the run and its message names only paths each declared by exactly one
   * entry of the run: those entries (in run order) are the ones to set aside. The worktree is as
   * it was.
   */
  | { kind: 'refused'; suspects: QueueEntry[] }
  /** Anything else: the worktree must be reset, and the entries applied one at a time. */
  | { kind: 'unusable' };

/**
 * Applies `run` (two or more entries) on `head`, where `worktree` is, with one `git apply` (see
 * `Worktree.tryCommitChainInOneApply`): one commit per entry with the tree it would have one at a
 * time, and for each its `entry:applied` event (as `applyEntry` records it for a direct apply)
 * added to `events`. When git refuses the run, the entries whose declared paths its message names
 * are returned as suspects: a guess only, which the caller verifies by applying each of them alone
 * on the head it would have one at a time.
 */
export async function applyRunInOneGo(
  worktree: Worktree,
  run: readonly QueueEntry[],
  head: string,
  events: PendingEntryEvent[],
): Promise<RunOutcome> {
  const paths = run.flatMap((entry) => entry.paths);
  if ((await worktree.pathsEscapingThroughSymlinks(paths)).length > 0) return { kind: 'unusable' };
  const result = await worktree.tryCommitChainInOneApply(
    run.map((entry) => ({ patch: entry.patch, message: entryCommitMessage(entry) })),
  );
  if (result.commits === undefined) {
    const suspects = suspectsNamed(run, result.failedPaths);
    return suspects === undefined ? { kind: 'unusable' } : { kind: 'refused', suspects };
  }
  // As applyEntry does after each patch: no path may now resolve outside through a symlink.
  if ((await worktree.pathsEscapingThroughSymlinks(paths)).length > 0) return { kind: 'unusable' };
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
