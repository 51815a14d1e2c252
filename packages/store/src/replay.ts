import type { QueueEntry, QueueEvent, QueueState } from '@hyperion/schema';
import type { HyperionStore } from './store-interface.js';

/** The part of a queue entry that the event log determines. */
export interface ReplayedEntry {
  /** The entry's id (its change id). */
  id: string;
  /** Its task id, from `entry:enqueued`. */
  task_id: string | null;
  /** Its request id, from `entry:enqueued`. */
  request_id: string | null;
  /** The paths it changes, from `entry:enqueued`. */
  paths: string[] | null;
  /** The sha256 of its patch, from `entry:enqueued`. */
  patch_hash: string | null;
  /** The state the events lead to. */
  state: QueueState;
  /**
   * Attempts charged: the `attempt` of the last `entry:leased`, less attempts given back since
   * (expired leases, held landings, leases returned).
   */
  attempts: number;
  /** Attempts that ended with the lease expiring. */
  lease_expiries: number;
  /** The worker holding the lease while `running`. */
  lease_owner: string | null;
  /** The commit it landed as, once landed. */
  landed_commit: string | null;
  /** The last failure recorded by an event. */
  last_error: string | null;
  /** Its priority, once an event set one. */
  priority: number | null;
  /** Id of the last event applied. */
  last_event_id: number;
  /** False when the log holds events of this entry but not its `entry:enqueued`. */
  enqueued: boolean;
}

/** One field where the live queue and the replayed log disagree. */
export interface ReplayDifference {
  /** The entry that differs. */
  entry_id: string;
  /** The field, or `entry` when the entry exists on one side only. */
  field: string;
  /** The value in the store. */
  live: unknown;
  /** The value the events give. */
  replayed: unknown;
}

/** Fields compared by {@link compareWithLive}. */
export const REPLAYED_FIELDS = [
  'state',
  'attempts',
  'lease_expiries',
  'lease_owner',
  'landed_commit',
  'last_error',
  'task_id',
  'request_id',
  'paths',
  'patch_hash',
  'priority',
] as const;

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function newEntry(event: QueueEvent): ReplayedEntry {
  const data = event.data;
  return {
    id: event.entry_id,
    task_id: text(data['task_id']),
    request_id: text(data['request_id']),
    paths: Array.isArray(data['paths']) ? (data['paths'] as string[]) : null,
    patch_hash: text(data['patch_hash']),
    state: event.to_state ?? 'queued',
    attempts: 0,
    lease_expiries: 0,
    lease_owner: null,
    landed_commit: null,
    last_error: null,
    priority: typeof data['priority'] === 'number' ? data['priority'] : null,
    last_event_id: event.id,
    enqueued: event.type === 'entry:enqueued',
  };
}

/**
 * What each event type does to the fields besides the state. These mirror the writers (the store's
 * lease handling and the queue's workers and human actions); `hyperion log verify` catches drift.
 */
function applyEvent(entry: ReplayedEntry, event: QueueEvent): void {
  const data = event.data;
  switch (event.type) {
    case 'entry:leased':
      entry.attempts = typeof data['attempt'] === 'number' ? data['attempt'] : entry.attempts + 1;
      entry.lease_owner = event.worker;
      break;
    case 'entry:lease_expired':
      entry.last_error = `lease of ${text(data['previous_owner']) ?? 'unknown worker'} expired during attempt ${String(data['attempt'])}`;
      entry.attempts = Math.max(0, entry.attempts - 1);
      entry.lease_expiries += 1;
      break;
    case 'entry:lease_returned':
    case 'entry:batch_returned':
      entry.attempts = Math.max(0, entry.attempts - 1);
      entry.last_error = text(data['reason']);
      break;
    case 'entry:landed':
      entry.landed_commit = text(data['commit']);
      entry.last_error = null;
      break;
    case 'entry:already_landed':
      entry.landed_commit = text(data['commit']);
      break;
    case 'entry:landing_held':
      entry.attempts -= 1;
      entry.last_error = text(data['reason']);
      break;
    case 'entry:retry_scheduled':
      if (data['manual'] === true) {
        // A person sent a quarantined or conflicted entry back (`retryEntry`): fresh attempts.
        entry.attempts = 0;
        entry.lease_expiries = 0;
        entry.last_error = null;
      } else entry.last_error = text(data['reason']);
      break;
    case 'entry:quarantined':
    case 'entry:conflicted':
    case 'entry:dry_run_finished':
      // Every writer of these events sets last_error to the reason it records (a worker's verdict,
      // a re-dispatch limit, a dependency that did not land).
      if ('reason' in data) entry.last_error = text(data['reason']);
      break;
    case 'entry:rejected':
      entry.last_error = `rejected by ${String(data['by'])}: ${String(data['reason'])}`;
      break;
    case 'entry:cancelled':
      entry.last_error = `cancelled by ${String(data['by'])}${data['reason'] === null || data['reason'] === undefined ? '' : `: ${String(data['reason'])}`}`;
      break;
    case 'entry:bumped':
      if (typeof data['to_priority'] === 'number') entry.priority = data['to_priority'];
      break;
    default:
      break;
  }
}

/**
 * Rebuilds every entry's state from the event log alone (events in id order): the state is the
 * `to_state` of the last transition, the other fields follow from the event types.
 */
export function replayQueueState(events: Iterable<QueueEvent>): Map<string, ReplayedEntry> {
  const entries = new Map<string, ReplayedEntry>();
  for (const event of events) {
    let entry = entries.get(event.entry_id);
    if (entry === undefined) {
      entry = newEntry(event);
      entries.set(event.entry_id, entry);
      if (event.type === 'entry:enqueued') continue;
    }
    if (event.to_state !== null) {
      entry.state = event.to_state;
      if (event.to_state !== 'running') entry.lease_owner = null;
    }
    applyEvent(entry, event);
    entry.last_event_id = event.id;
  }
  return entries;
}

function same(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

/** Differences between live entries and replayed ones (fields the log did not carry are skipped). */
export function compareEntries(
  live: readonly QueueEntry[],
  replayed: ReadonlyMap<string, ReplayedEntry>,
): ReplayDifference[] {
  const differences: ReplayDifference[] = [];
  const seen = new Set<string>();
  for (const entry of live) {
    seen.add(entry.id);
    const rebuilt = replayed.get(entry.id);
    if (rebuilt === undefined || !rebuilt.enqueued) {
      differences.push({
        entry_id: entry.id,
        field: 'entry',
        live: entry.state,
        replayed: rebuilt?.state ?? null,
      });
      continue;
    }
    for (const field of REPLAYED_FIELDS) {
      if (rebuilt[field] === null && (field === 'paths' || field === 'patch_hash' || field === 'priority'))
        continue;
      if (!same(entry[field], rebuilt[field])) {
        differences.push({ entry_id: entry.id, field, live: entry[field], replayed: rebuilt[field] });
      }
    }
  }
  for (const [id, rebuilt] of replayed) {
    if (!seen.has(id))
      differences.push({ entry_id: id, field: 'entry', live: null, replayed: rebuilt.state });
  }
  return differences;
}

/**
 * Replays the store's own `change_queue_logs` and compares the result with its queue rows (both
 * read in one transaction, so they are consistent).
 */
export async function compareWithLive(store: HyperionStore): Promise<ReplayDifference[]> {
  const { entries, events } = await store.transaction(async (transaction) => ({
    entries: await transaction.listEntries(),
    events: await transaction.listEvents(),
  }));
  return compareEntries(entries, replayQueueState(events));
}
