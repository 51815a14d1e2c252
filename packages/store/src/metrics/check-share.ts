import type { QueueEvent } from '@hyperion/schema';

/**
 * The part of one real check run that `event` stands for. A check run on a batch of n changes is
 * recorded once on each of them (with `batch.size` = n), so each record counts 1/n: summed over
 * the log, the shares count each run once.
 */
export function checkShare(event: QueueEvent): number {
  const batch = event.data['batch'];
  if (typeof batch !== 'object' || batch === null) return 1;
  const size = (batch as Record<string, unknown>)['size'];
  return typeof size === 'number' && Number.isSafeInteger(size) && size > 1 ? 1 / size : 1;
}

/** A check event's duration in seconds (0 when it has none, or a nonsensical one). */
export function durationSeconds(data: unknown): number {
  if (typeof data !== 'object' || data === null) return 0;
  const milliseconds = (data as Record<string, unknown>)['duration_ms'];
  return typeof milliseconds === 'number' && Number.isFinite(milliseconds) && milliseconds > 0
    ? milliseconds / 1000
    : 0;
}

/** A check event's check name, or `(batch)` for a batch's flake, which names no single check. */
export function checkName(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '(batch)';
  const name = (data as Record<string, unknown>)['name'];
  return typeof name === 'string' && name !== '' ? name : '(batch)';
}

/** The failed runs a `check:flaked` event carries as results (a check's own retries), else none. */
export function flakedRuns(event: QueueEvent): unknown[] {
  const runs = event.data['failed_runs'];
  if (!Array.isArray(runs)) return [];
  return runs.filter((run) => typeof run === 'object' && run !== null);
}
