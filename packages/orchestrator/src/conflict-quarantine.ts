import { HyperionError, type QueueEntry } from '@hyperion/schema';
import type { MergeQueue } from '@hyperion/queue';
import type { HyperionStore } from '@hyperion/store';

/** Options of {@link quarantineConflicted}. */
export interface QuarantineConflictedOptions {
  /**
   * Also marks the entry's request failed with the same reason (a spent request budget: nothing
   * more of the request will run).
   */
  failRequest?: boolean;
}

/**
 * Quarantines a conflicted entry and fails its assignment, in one transaction; `data` goes into
 * the `entry:quarantined` event beside the reason (the conflict tiers' report, a budget's
 * spending). With `failRequest` the entry's request is marked failed in the same transaction.
 */
export async function quarantineConflicted(
  store: HyperionStore,
  queue: MergeQueue,
  entry: QueueEntry,
  reason: string,
  data: Record<string, unknown>,
  options: QuarantineConflictedOptions = {},
): Promise<QueueEntry> {
  const requestId = entry.request_id;
  const quarantined = await store.transaction(async (transaction) => {
    await transaction.updateAssignment(entry.task_id, 'failed', reason);
    if (options.failRequest === true && requestId !== null) {
      await transaction.updateRequest(requestId, 'failed', reason);
    }
    return transaction.transition(entry.id, {
      from: 'conflicted',
      to: 'quarantined',
      type: 'entry:quarantined',
      worker: 'orchestrator',
      data: { reason, ...data },
      set: { last_error: reason },
    });
  });
  queue.events.emit('entry:finished', { entry: quarantined, worker: 'orchestrator' });
  return quarantined;
}

/**
 * Reads a conflicted entry submitted by a request, with its request id. Throws `invalid_state`
 * when it is not conflicted, and `invalid_input` (naming `why`: what a direct submission lacks)
 * when no request submitted it.
 */
export async function requireConflictedRequestEntry(
  store: HyperionStore,
  entryId: string,
  why: string,
): Promise<{ entry: QueueEntry; requestId: string }> {
  const entry = await store.requireEntry(entryId);
  if (entry.state !== 'conflicted') {
    throw new HyperionError('invalid_state', `entry ${entryId} is ${entry.state}, not conflicted`, {
      details: { id: entryId, state: entry.state },
    });
  }
  const requestId = entry.request_id;
  if (requestId === null) {
    throw new HyperionError(
      'invalid_input',
      `entry ${entryId} was submitted directly, not by a request: ${why}`,
      { details: { id: entryId } },
    );
  }
  return { entry, requestId };
}
