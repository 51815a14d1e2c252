import { createHash } from 'node:crypto';
import type { QueueEntry } from '@hyperion/schema';
import { REPLAYED_FIELDS } from '../replay.js';

/**
 * A checksum of the queue's state: sha256 over every entry's id and the fields the event log
 * determines ({@link REPLAYED_FIELDS}), entries in id order. Two stores holding the same queue
 * state give the same checksum whatever their kind, row order or clocks: lease expiry times,
 * retry times and `updated_at` are left out, since a restore cannot (and need not) reproduce them.
 * Written `sha256:<hex>`.
 */
export function queueStateChecksum(entries: readonly QueueEntry[]): string {
  const hash = createHash('sha256');
  const sorted = [...entries].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  for (const entry of sorted) {
    const fields: unknown[] = [entry.id];
    for (const field of REPLAYED_FIELDS) fields.push(entry[field] ?? null);
    hash.update(`${JSON.stringify(fields)}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}
