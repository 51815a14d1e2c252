import type { QueueEntry } from '@hyperion/schema';
import type { MergeQueue } from '@hyperion/queue';
import type { HyperionStore } from '@hyperion/store';

/**
 * Quarantines a conflicted entry and fails its assignment, in one transaction; `data` goes into
 * the `entry:quarantined` event beside the reason (the conflict tiers' report).
 */
export async function quarantineConflicted(
  store: HyperionStore,
  queue: MergeQueue,
  entry: QueueEntry,
  reason: string,
  data: Record<string, unknown>,
): Promise<QueueEntry> {
  const quarantined = await store.transaction(async (transaction) => {
    await transaction.updateAssignment(entry.task_id, 'failed', reason);
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
