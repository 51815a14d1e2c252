import { HyperionError, type QueueEntry } from '@hyperion/schema';
import type { GitRepository } from '@hyperion/git';
import type { NewQueueEntry, QueueStore } from '@hyperion/store';
import { patchAppliesOnProjection, patchAppliesTo } from './precheck-patch.js';

/** States of entries that will still land (or may): a new submission is checked on top of them. */
const AHEAD_STATES = ['queued', 'running', 'awaiting_approval'] as const;

/**
 * The unfinished entries that land before a new submission touching `paths` and that it must be
 * checked on top of: those sharing a path with it, and, transitively, those sharing a path with
 * them, in submission order (the order they land in on each file).
 */
export async function entriesAhead(
  store: Pick<QueueStore, 'listEntries'>,
  targetBranch: string,
  paths: readonly string[],
): Promise<QueueEntry[]> {
  const active = await store.listEntries({ states: AHEAD_STATES, targetBranch, order: 'submission' });
  const touched = new Set(paths);
  const ahead: QueueEntry[] = [];
  for (const entry of [...active].reverse()) {
    if (!entry.paths.some((path) => touched.has(path))) continue;
    ahead.unshift(entry);
    for (const path of entry.paths) touched.add(path);
  }
  return ahead;
}

/**
 * Checks a prepared submission against what the branch will hold when its turn comes (SPEC §4):
 * the tip plus the entries queued ahead of it on its files. Returns the entries it is stacked on:
 * when it applies only on top of them, those of them on its own files; none when it applies on the
 * tip as well. A patch that applies on neither is refused (`patch_does_not_apply`), unless it names
 * a base commit a 3-way merge can start from when its turn comes.
 */
export async function checkStacking(
  store: Pick<QueueStore, 'listEntries'>,
  repository: GitRepository,
  prepared: NewQueueEntry,
  tip: string,
): Promise<string[]> {
  const ahead = await entriesAhead(store, prepared.target_branch, prepared.paths);
  const onTip = await patchAppliesTo(repository, tip, prepared.patch);
  if (ahead.length > 0) {
    const projected = await patchAppliesOnProjection(repository, tip, ahead, prepared.patch);
    if (projected.applies && !onTip.applies) return directPredecessors(ahead, prepared.paths);
    // Applying on the tip too, it needs none of them. When the projection cannot be built (an entry
    // ahead needs the 3-way path, or is already on the branch after a crash), the tip decides.
    if (projected.applies || onTip.applies || prepared.base_commit !== null) return [];
    throw refusal(prepared, tip, projected.reason, ahead);
  }
  if (onTip.applies || prepared.base_commit !== null) return [];
  throw refusal(prepared, tip, onTip.reason, ahead);
}

/**
 * The entries ahead on the submission's own files: what it is stacked on. Entries ahead only on
 * their files are reached through their own `depends_on`, so one of those failing does not
 * conflict a submission that never needed it.
 */
function directPredecessors(ahead: readonly QueueEntry[], paths: readonly string[]): string[] {
  const own = new Set(paths);
  return ahead.filter((entry) => entry.paths.some((path) => own.has(path))).map((entry) => entry.id);
}

function refusal(
  prepared: NewQueueEntry,
  tip: string,
  reason: string,
  ahead: readonly QueueEntry[],
): HyperionError {
  const firstLine = reason.split('\n').find((line) => line.trim() !== '') ?? reason;
  const where =
    ahead.length === 0
      ? `${prepared.target_branch} at ${tip.slice(0, 12)}`
      : `${prepared.target_branch} at ${tip.slice(0, 12)} with the entries queued ahead on its files (${ahead.map((entry) => entry.id).join(', ')})`;
  return new HyperionError('patch_does_not_apply', `the patch does not apply on ${where}: ${firstLine}`, {
    details: { tip, ahead: ahead.map((entry) => entry.id), git_output: reason },
  });
}
