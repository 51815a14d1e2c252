import type { HyperionStore } from '@hyperion/store';
import {
  TierRecorder,
  resolutionOf,
  runTiersAfterMerge,
  type ConflictTiersOptions,
  type ConflictTiersOutcome,
} from './conflict-tiers.js';

/**
 * Moves a conflicted entry on through its conflict tiers after the resolution the resolver agent
 * submitted for it was quarantined (its checks failed on its last attempt): the resolver tier is
 * recorded as `resolution_failed` on the conflicted entry, with the queue's reason, and the tiers
 * go on from the resolver (another resolver run while its attempts last, then re-dispatch of the
 * developer on the new tip, then quarantine with every tier's outcome), as
 * `handleConflictedEntry` does after the 3-way merge.
 *
 * Returns undefined, doing nothing, when `entryId` is not a quarantined resolution, or the entry it
 * resolves is no longer `conflicted` (a person quarantined or cancelled it meanwhile).
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
  const original = await conflictedRequestEntry(store, originalId);
  if (original === undefined) return undefined;
  const tiers = new TierRecorder(store, originalId);
  await tiers.record({
    tier: 'resolver',
    outcome: 'resolution_failed',
    reason: `its resolution ${entryId} was quarantined: ${resolution.last_error ?? 'no reason recorded'}`,
    change_id: entryId,
  });
  return runTiersAfterMerge(original.entry, original.requestId, options, tiers);
}

async function conflictedRequestEntry(store: HyperionStore, entryId: string) {
  const entry = await store.getEntry(entryId);
  if (entry?.state !== 'conflicted' || entry.request_id === null) return undefined;
  return { entry, requestId: entry.request_id };
}
