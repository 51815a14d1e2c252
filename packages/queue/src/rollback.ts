import { HyperionError, type ChangeRequest, type FileChange, type QueueEntry } from '@hyperion/schema';
import {
  parsePatch,
  runGit,
  sha256Hex,
  splitPatch,
  type GitRepository,
  type LandingTarget,
} from '@hyperion/git';
import type { HyperionStore, StoreTransaction } from '@hyperion/store';

/** Task ids of revert entries start with this, followed by the id of the change they undo. */
export const ROLLBACK_TASK_PREFIX = 'rollback:';

/** Priority of revert entries: ahead of other work (on its own files, after the entries submitted before it). */
export const ROLLBACK_PRIORITY = 1000;

/** The id of the change a revert entry undoes, or undefined for other entries. */
export function rolledBackChangeId(entry: Pick<QueueEntry, 'task_id'>): string | undefined {
  return entry.task_id.startsWith(ROLLBACK_TASK_PREFIX)
    ? entry.task_id.slice(ROLLBACK_TASK_PREFIX.length)
    : undefined;
}

/** One revert to send through the queue. */
export interface PlannedRevert {
  /** The landed entry being undone. */
  original: QueueEntry;
  /** The revert change request. */
  change: ChangeRequest;
}

/**
 * The landed changes a rollback target names — a change id, a task id or a request id — newest
 * landing first, each with the change request that reverts it (made from `git diff <commit>
 * <commit>^`, based on the landed commit so later changes to other lines merge in 3-way). With a
 * remote `landing` target its branches are fetched first (`landing.tip`), so a clone that never
 * fetched the landed commits has them.
 */
export async function planRollback(
  store: HyperionStore,
  repository: GitRepository,
  target: string,
  landing?: Pick<LandingTarget, 'kind' | 'tip'>,
): Promise<PlannedRevert[]> {
  const direct = await store.getEntry(target);
  const matches =
    direct !== undefined
      ? [direct]
      : [
          ...(await store.listEntries({ taskId: target })),
          ...(await store.listEntries({ requestId: target })),
        ];
  if (matches.length === 0) {
    throw new HyperionError('not_found', `no change, task or request with id '${target}'`, {
      details: { target },
    });
  }
  const landed = matches.filter((entry) => entry.state === 'landed' && entry.landed_commit !== null);
  if (landed.length === 0) {
    const states = [...new Set(matches.map((entry) => entry.state))].join(', ');
    throw new HyperionError(
      'invalid_state',
      `nothing to roll back for '${target}': no landed change (found ${states})`,
      {
        details: { target },
      },
    );
  }
  if (landing?.kind === 'remote') {
    for (const branch of new Set(landed.map((entry) => entry.target_branch))) await landing.tip(branch);
  }
  const landingOrders = new Map<string, number>();
  for (const entry of landed) {
    const landing = (await store.listEvents({ entryId: entry.id }))
      .filter((event) => event.type === 'entry:landed' || event.type === 'entry:already_landed')
      .at(-1);
    landingOrders.set(entry.id, landing?.id ?? 0);
  }
  const landingOrder = (entry: QueueEntry): number => landingOrders.get(entry.id) ?? 0;
  const newestFirst = [...landed].sort((left, right) => landingOrder(right) - landingOrder(left));
  const plans: PlannedRevert[] = [];
  for (const original of newestFirst) {
    const commit = original.landed_commit!;
    const diff = await runGit(
      ['diff', '--binary', '--no-color', '--no-renames', commit, `${commit}^`, '--'],
      {
        cwd: repository.root,
      },
    );
    const changes: FileChange[] = splitPatch(diff.stdout).map((part) => ({
      path: part.path,
      operation: parsePatch(part.patch)[0]?.operation ?? 'update',
      patch: part.patch,
      patch_hash: sha256Hex(part.patch),
    }));
    if (changes.length === 0) {
      throw new HyperionError(
        'invalid_state',
        `landed commit ${commit.slice(0, 12)} of ${original.id} changes nothing to revert`,
      );
    }
    plans.push({
      original,
      change: {
        task_id: `${ROLLBACK_TASK_PREFIX}${original.id}`,
        ...(original.request_id === null ? {} : { request_id: original.request_id }),
        agent: 'hyperion-rollback',
        base_commit: commit,
        summary: `Revert "${original.summary}"`,
        changes,
        priority: ROLLBACK_PRIORITY,
      },
    });
  }
  return plans;
}

/** After a revert landed: the original becomes `rolled_back`, linked to its revert both ways. */
export async function markRolledBack(
  store: HyperionStore,
  revert: QueueEntry,
  worker: string,
): Promise<void> {
  const originalId = rolledBackChangeId(revert);
  if (originalId === undefined) return;
  const original = await store.getEntry(originalId);
  if (original === undefined || original.state !== 'landed') return;
  await store.transition(originalId, {
    from: 'landed',
    to: 'rolled_back',
    type: 'entry:rolled_back',
    worker,
    data: { reverted_by: revert.id, revert_commit: revert.landed_commit },
  });
}

/**
 * When changes are rolled back, the entries still waiting that were stacked on one of them (their
 * patch was made on top of it) conflict at once, with a report naming the rollback: they are not
 * landed on top of a change that is being undone. Entries already running finish their attempt.
 */
export async function conflictDependentsOf(
  transaction: StoreTransaction,
  rolledBack: readonly QueueEntry[],
  by: string,
): Promise<QueueEntry[]> {
  const ids = new Set(rolledBack.map((entry) => entry.id));
  const dependents = (
    await transaction.listEntries({ states: ['queued', 'awaiting_approval'], order: 'submission' })
  ).filter((entry) => entry.depends_on.some((id) => ids.has(id)));
  const conflicted: QueueEntry[] = [];
  for (const entry of dependents) {
    const undone = entry.depends_on.filter((id) => ids.has(id));
    const reason = `stacked on ${undone.join(', ')}, which ${by} is rolling back; this patch was made on top of it and is not applied without it`;
    conflicted.push(
      await transaction.transition(entry.id, {
        from: ['queued', 'awaiting_approval'],
        to: 'conflicted',
        type: 'entry:conflicted',
        data: {
          reason,
          report: {
            base_commit: entry.base_commit,
            tip: null,
            files: entry.paths.map((path) => ({
              path,
              error: 'made on top of a change being rolled back',
            })),
            intervening_commits: [],
            git_output: '',
            dependencies: rolledBack
              .filter((original) => undone.includes(original.id))
              .map((original) => ({ id: original.id, state: 'rolling back', reason: `rollback by ${by}` })),
          },
        },
        set: { last_error: reason },
      }),
    );
  }
  return conflicted;
}
