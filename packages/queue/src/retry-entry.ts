import { HyperionError, type QueueEntry, type QueueState } from '@hyperion/schema';
import type { HyperionStore, StoreTransaction } from '@hyperion/store';
import type { Actor } from './human-actions.js';

/** The states a person may send back to the queue. */
export const RETRYABLE_STATES: readonly QueueState[] = ['quarantined', 'conflicted'];

/**
 * Sends a quarantined or conflicted entry back to the queue for a fresh set of attempts:
 * `quarantined` | `conflicted` → `queued`, recorded as `entry:retry_scheduled` with who asked
 * (`by`), why (`note`), the state it left and the attempts it had used. The attempt counters
 * start again (the person takes responsibility for the new tries); the lease and backoff are
 * cleared so a worker can take it at once. An entry the conflict tiers already replaced (a later
 * entry of its task names it as `resolution_of` or `redispatch_of`, or names the entry it was
 * itself submitted for: the tiers moved on from it) is refused: sending it back
 * would let the same task land twice under two change ids; retry the replacement instead. Throws
 * `not_found` or `invalid_state`.
 */
export async function retryEntry(store: HyperionStore, id: string, actor: Actor): Promise<QueueEntry> {
  return store.transaction(async (transaction) => {
    const entry = await transaction.requireEntry(id);
    if (!RETRYABLE_STATES.includes(entry.state)) {
      throw new HyperionError(
        'invalid_state',
        `cannot retry ${entry.id}: it is ${entry.state}; only quarantined or conflicted entries can be retried`,
        { details: { id: entry.id, state: entry.state } },
      );
    }
    const replacement = await replacementOf(transaction, entry);
    if (replacement !== undefined) {
      throw new HyperionError(
        'invalid_state',
        `cannot retry ${entry.id}: ${replacement} replaced it (the conflict tiers resubmitted its task); retry ${replacement} instead`,
        { details: { id: entry.id, state: entry.state, replaced_by: replacement } },
      );
    }
    return transaction.transition(id, {
      from: RETRYABLE_STATES,
      to: 'queued',
      type: 'entry:retry_scheduled',
      data: {
        by: actor.by,
        note: actor.note ?? null,
        manual: true,
        from: entry.state,
        previous_attempts: entry.attempts,
        previous_error: entry.last_error,
      },
      set: {
        attempts: 0,
        lease_expiries: 0,
        lease_owner: null,
        lease_expires_at: null,
        not_before: null,
        last_error: null,
      },
    });
  });
}

/**
 * The later entry of the same task that replaces `entry`: its submission names `entry` as the one
 * it resolves or re-dispatches, or names the same entry that `entry` itself was submitted for (the
 * conflict tiers moved on from `entry`: a resolution quarantined by its checks, then another
 * resolution or a re-dispatch of the entry it resolved).
 */
async function replacementOf(transaction: StoreTransaction, entry: QueueEntry): Promise<string | undefined> {
  const submissions = new Map<string, { eventId: number; parent: string | undefined }>();
  for (const other of await transaction.listEntries({ taskId: entry.task_id })) {
    const first = (await transaction.listEvents({ entryId: other.id, limit: 1 }))[0];
    const data = first?.type === 'entry:enqueued' ? first.data : undefined;
    const parent = data?.['resolution_of'] ?? data?.['redispatch_of'];
    submissions.set(other.id, {
      eventId: first?.id ?? 0,
      parent: typeof parent === 'string' ? parent : undefined,
    });
  }
  const own = submissions.get(entry.id);
  for (const [id, other] of submissions) {
    if (id === entry.id) continue;
    if (other.parent === entry.id) return id;
    if (own?.parent !== undefined && other.parent === own.parent && other.eventId > own.eventId) return id;
  }
  return undefined;
}
