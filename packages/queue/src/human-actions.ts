import { HyperionError, type QueueEntry, type QueueState } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';

/** Who did something, and why, as recorded in the event log. */
export interface Actor {
  /** A person's or a program's name (default: the OS user). */
  by: string;
  /** A free-text note or reason. */
  note?: string;
}

function requireState(entry: QueueEntry, allowed: readonly QueueState[], action: string): void {
  if (allowed.includes(entry.state)) return;
  const hint =
    entry.state === 'running'
      ? ` (leased by ${entry.lease_owner ?? 'a worker'}; try again when its attempt ends)`
      : '';
  throw new HyperionError(
    'invalid_state',
    `cannot ${action} ${entry.id}: it is ${entry.state}${hint}; only ${allowed.join(' or ')} entries can be ${action === 'bump' ? 'bumped' : `${action}d`}`,
    { details: { id: entry.id, state: entry.state } },
  );
}

/** Lets an entry held by the risk policy go on: `awaiting_approval` → `queued`. */
export async function approveEntry(store: HyperionStore, id: string, actor: Actor): Promise<QueueEntry> {
  return store.transaction(async (transaction) => {
    const entry = await transaction.requireEntry(id);
    requireState(entry, ['awaiting_approval'], 'approve');
    return transaction.transition(id, {
      from: 'awaiting_approval',
      to: 'queued',
      type: 'entry:approved',
      data: { by: actor.by, note: actor.note ?? null },
    });
  });
}

/** Refuses an entry for good: `awaiting_approval` or `queued` → `rejected`. */
export async function rejectEntry(
  store: HyperionStore,
  id: string,
  actor: Actor & { note: string },
): Promise<QueueEntry> {
  return store.transaction(async (transaction) => {
    const entry = await transaction.requireEntry(id);
    requireState(entry, ['awaiting_approval', 'queued'], 'reject');
    return transaction.transition(id, {
      from: ['awaiting_approval', 'queued'],
      to: 'rejected',
      type: 'entry:rejected',
      data: { by: actor.by, reason: actor.note },
      set: { last_error: `rejected by ${actor.by}: ${actor.note}` },
    });
  });
}

/** Withdraws an entry that has not started: `queued` or `awaiting_approval` → `cancelled`. */
export async function cancelEntry(store: HyperionStore, id: string, actor: Actor): Promise<QueueEntry> {
  return store.transaction(async (transaction) => {
    const entry = await transaction.requireEntry(id);
    requireState(entry, ['queued', 'awaiting_approval'], 'cancel');
    return transaction.transition(id, {
      from: ['queued', 'awaiting_approval'],
      to: 'cancelled',
      type: 'entry:cancelled',
      data: { by: actor.by, reason: actor.note ?? null },
      set: { last_error: `cancelled by ${actor.by}${actor.note === undefined ? '' : `: ${actor.note}`}` },
    });
  });
}

/**
 * Moves an entry ahead: to `priority` when given, else just above every other waiting entry.
 * The state does not change; the event records the old and new priority.
 */
export async function bumpEntry(
  store: HyperionStore,
  id: string,
  actor: Actor & { priority?: number },
): Promise<QueueEntry> {
  return store.transaction(async (transaction) => {
    const entry = await transaction.requireEntry(id);
    requireState(entry, ['queued', 'awaiting_approval'], 'bump');
    const highest = Math.max(
      entry.priority,
      ...(await transaction.listEntries({ states: ['queued', 'awaiting_approval'] })).map(
        (other) => other.priority,
      ),
    );
    const priority = actor.priority ?? Math.min(1000, highest + 1);
    return transaction.transition(id, {
      from: entry.state,
      to: entry.state,
      type: 'entry:bumped',
      data: { by: actor.by, from_priority: entry.priority, to_priority: priority },
      set: { priority },
    });
  });
}
