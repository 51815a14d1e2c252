import type { QueueEntry } from '@hyperion/schema';

/**
 * The leasing rule as it was written before the `blockers` count (a scan of every unfinished
 * entry of one target branch, in submission order), kept for tests as the reference the indexed
 * store is compared with. `entries` are in submission order.
 */

/** The entries that would be runnable, apart from their `not_before`, in submission order. */
export function oracleRunnable(entries: readonly QueueEntry[], targetBranch: string): QueueEntry[] {
  const active = entries.filter(
    (entry) =>
      entry.target_branch === targetBranch &&
      (entry.state === 'queued' || entry.state === 'running' || entry.state === 'awaiting_approval'),
  );
  const unfinished = new Set(active.map((entry) => entry.id));
  const held = new Set<string>();
  for (const entry of active) {
    if (entry.state === 'running') for (const path of entry.paths) held.add(path);
  }
  const runnable: QueueEntry[] = [];
  for (const entry of active) {
    if (entry.state !== 'queued') continue;
    if (!entry.paths.some((path) => held.has(path)) && !entry.depends_on.some((id) => unfinished.has(id))) {
      runnable.push(entry);
    }
    for (const path of entry.paths) held.add(path);
  }
  return runnable;
}

/** The entry the old `leaseNext` would lease at `now` (leases expired beforehand), or undefined. */
export function oracleLease(
  entries: readonly QueueEntry[],
  now: number,
  targetBranch: string | undefined,
): QueueEntry | undefined {
  const afterExpiry = entries.map((entry) =>
    entry.state === 'running' && entry.lease_expires_at !== null && entry.lease_expires_at < now
      ? { ...entry, state: 'queued' as const }
      : entry,
  );
  const branches =
    targetBranch === undefined ? [...new Set(entries.map((entry) => entry.target_branch))] : [targetBranch];
  const order = new Map(entries.map((entry, index) => [entry.id, index]));
  let chosen: QueueEntry | undefined;
  for (const branch of branches) {
    for (const entry of oracleRunnable(afterExpiry, branch)) {
      if (entry.not_before !== null && entry.not_before > now) continue;
      if (
        chosen === undefined ||
        entry.priority > chosen.priority ||
        (entry.priority === chosen.priority && order.get(entry.id)! < order.get(chosen.id)!)
      ) {
        chosen = entry;
      }
    }
  }
  return chosen;
}

/** What the old `hasPendingWork(targetBranch)` answered. */
export function oracleHasPendingWork(entries: readonly QueueEntry[], targetBranch: string): boolean {
  const active = entries.filter(
    (entry) =>
      entry.target_branch === targetBranch &&
      (entry.state === 'queued' || entry.state === 'running' || entry.state === 'awaiting_approval'),
  );
  if (active.some((entry) => entry.state === 'running')) return true;
  const waitingOnPeople = new Set(
    active.filter((entry) => entry.state === 'awaiting_approval').map((entry) => entry.id),
  );
  const heldPaths = new Set<string>();
  for (const entry of active) {
    if (entry.state !== 'queued') continue;
    const blocked =
      entry.depends_on.some((id) => waitingOnPeople.has(id)) ||
      entry.paths.some((path) => heldPaths.has(path));
    if (!blocked) return true;
    waitingOnPeople.add(entry.id);
    for (const path of entry.paths) heldPaths.add(path);
  }
  return false;
}
