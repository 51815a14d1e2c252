import type { QueueEntry } from '@hyperion/schema';
import { dependencyConflictReport } from './apply-entry.js';
import type { EntryVerdicts } from './entry-verdicts.js';
import { ROLLBACK_TASK_PREFIX } from './rollback.js';
import type { QueueRuntime } from './runtime.js';

/**
 * An entry whose attempts ended with its worker dying `queue.max_lease_expiries` times (and that
 * is not on the branch): it may be what kills its workers, so it is stopped with that reason.
 */
export async function stopCrashingEntry(
  runtime: QueueRuntime,
  entry: QueueEntry,
  verdicts: EntryVerdicts,
): Promise<'quarantined'> {
  const limit = runtime.config.queue.max_lease_expiries;
  const reason = `stopped after ${entry.lease_expiries} attempts ended with the worker dying or hanging (lease expired; queue.max_lease_expiries is ${limit}): the change may crash its worker; last: ${entry.last_error ?? 'unknown'}`;
  await verdicts.finishWith(entry, 'quarantined', 'entry:quarantined', reason, {
    lease_expiries: entry.lease_expiries,
  });
  return 'quarantined';
}

/**
 * The entries this one was stacked on that finished without landing, or that landed and are
 * being rolled back (their revert is waiting or running): this entry must not land on them.
 */
export async function unlandedDependencies(runtime: QueueRuntime, entry: QueueEntry): Promise<QueueEntry[]> {
  const { store } = runtime;
  const beingRolledBack = async (dependency: QueueEntry): Promise<boolean> =>
    (
      await store.listEntries({
        taskId: `${ROLLBACK_TASK_PREFIX}${dependency.id}`,
        states: ['awaiting_approval', 'queued', 'running'],
        limit: 1,
      })
    ).length > 0;
  const unlanded: QueueEntry[] = [];
  for (const id of entry.depends_on) {
    const dependency = await store.getEntry(id);
    if (dependency === undefined) continue;
    if (dependency.state !== 'landed' || (await beingRolledBack(dependency))) unlanded.push(dependency);
  }
  return unlanded;
}

/**
 * A stacked entry whose predecessor did not land: its patch was checked on top of that
 * predecessor, so it is not applied blindly without it; it conflicts with a report naming why.
 */
export async function conflictOnDependencies(
  entry: QueueEntry,
  unlanded: QueueEntry[],
  tip: string,
  verdicts: EntryVerdicts,
): Promise<'conflicted'> {
  const named = unlanded
    .map(
      (dependency) =>
        `${dependency.id} (${dependency.state === 'landed' ? 'being rolled back' : dependency.state})`,
    )
    .join(', ');
  const reason = `stacked on ${named}, which will not stay on the branch; this patch was made on top of it and is not applied without it`;
  await verdicts.finishWith(entry, 'conflicted', 'entry:conflicted', reason, {
    report: dependencyConflictReport(entry, unlanded, tip),
  });
  verdicts.afterConflict(entry);
  return 'conflicted';
}
