import type { QueueEntry } from '@hyperion/schema';
import type { StoreTransaction } from '@hyperion/store';
import {
  TierRecorder,
  resolutionOf,
  runTiersAfterMerge,
  type ConflictTierRecord,
  type ConflictTiersOptions,
  type ConflictTiersOutcome,
} from './conflict-tiers.js';

/**
 * Moves a conflicted entry on through its conflict tiers after the resolution the resolver agent
 * submitted for it was quarantined (its checks failed on its last attempt, or the queue refused
 * it): the resolver tier is recorded as `resolution_failed` on the conflicted entry, with the
 * queue's reason, and the tiers go on from the resolver (another resolver run while its attempts
 * last, then re-dispatch of the developer on the new tip, then quarantine with every tier's
 * outcome), as `handleConflictedEntry` does after the 3-way merge.
 *
 * It acts once per resolution, and only for the newest one: the check and the record are one
 * store transaction, so a second call (a retried resolution quarantined again, another process)
 * does nothing. Returns undefined, doing nothing, when `entryId` is not a quarantined resolution,
 * when the entry it resolves is no longer `conflicted` (a person quarantined or cancelled it), when
 * the tiers already moved on from this resolution, or when a newer entry replaces it.
 */
export async function handleFailedResolution(
  entryId: string,
  options: ConflictTiersOptions,
): Promise<ConflictTiersOutcome | undefined> {
  const { store } = options;
  const resolution = await store.requireEntry(entryId);
  if (resolution.state !== 'quarantined') return undefined;
  const originalId = await resolutionOf(store, entryId);
  if (originalId === undefined) return undefined;
  const record: ConflictTierRecord = {
    entry_id: originalId,
    tier: 'resolver',
    outcome: 'resolution_failed',
    reason: `its resolution ${entryId} was quarantined: ${resolution.last_error ?? 'no reason recorded'}`,
    change_id: entryId,
  };
  const claimed = await store.transaction(async (transaction) => {
    const original = await transaction.getEntry(originalId);
    if (original?.state !== 'conflicted' || original.request_id === null) return undefined;
    if (await tiersMovedOn(transaction, original, entryId)) return undefined;
    await transaction.recordEvent(originalId, 'conflict:tier_finished', { ...record }, 'orchestrator');
    return { entry: original, requestId: original.request_id };
  });
  if (claimed === undefined) return undefined;
  const tiers = new TierRecorder(store, originalId);
  tiers.records.push(record);
  return runTiersAfterMerge(claimed.entry, claimed.requestId, options, tiers);
}

/**
 * True when the tiers of `original` no longer wait on `resolutionId`: they recorded its failure
 * already, or an entry submitted after it names `original` too (a newer resolution or a
 * re-dispatch).
 */
async function tiersMovedOn(
  transaction: StoreTransaction,
  original: QueueEntry,
  resolutionId: string,
): Promise<boolean> {
  const recorded = (await transaction.listEvents({ entryId: original.id })).some(
    (event) =>
      event.type === 'conflict:tier_finished' &&
      event.data['outcome'] === 'resolution_failed' &&
      event.data['change_id'] === resolutionId,
  );
  if (recorded) return true;
  const submittedAt = async (id: string) => (await transaction.listEvents({ entryId: id, limit: 1 }))[0];
  const own = await submittedAt(resolutionId);
  for (const other of await transaction.listEntries({ taskId: original.task_id })) {
    if (other.id === resolutionId || other.id === original.id) continue;
    const first = await submittedAt(other.id);
    const parent = first?.data['resolution_of'] ?? first?.data['redispatch_of'];
    if (parent === original.id && (first?.id ?? 0) > (own?.id ?? 0)) return true;
  }
  return false;
}
