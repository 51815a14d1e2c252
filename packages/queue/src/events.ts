import type { QueueEntry, QueueEvent } from '@hyperion/schema';
import type { CheckRunResult } from './check-runner.js';

/**
 * Typed events of a {@link MergeQueue}, one payload object each. Every state transition is also
 * an event row in `change_queue_logs`; these are the in-process notifications of the same facts.
 */
export interface QueueEvents {
  /** An entry was accepted into the queue. */
  'entry:enqueued': (payload: { entry: QueueEntry }) => void;
  /** A worker took a lease on an entry. */
  'entry:leased': (payload: { entry: QueueEntry; worker: string }) => void;
  /** A check finished on a worker's tree. */
  'check:finished': (payload: { entry: QueueEntry; worker: string; result: CheckRunResult }) => void;
  /** An entry's commit is now the tip of the target branch. */
  'entry:landed': (payload: { entry: QueueEntry; worker: string; commit: string }) => void;
  /** An attempt failed and the entry went back to the queue. */
  'entry:retry_scheduled': (payload: { entry: QueueEntry; worker: string; reason: string }) => void;
  /** An entry stopped for good without landing (quarantined, conflicted, dry run…). */
  'entry:finished': (payload: { entry: QueueEntry; worker: string | null }) => void;
  /** Any row written to `change_queue_logs` by this queue. */
  'event:recorded': (payload: { event: Pick<QueueEvent, 'entry_id' | 'type' | 'data'> }) => void;
  /** A worker found nothing to do. */
  'worker:idle': (payload: { worker: string }) => void;
}
