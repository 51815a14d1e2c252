import type { QueueEvent } from '@hyperion/schema';

/** An event's time in epoch milliseconds (NaN when the timestamp cannot be parsed). */
export function eventTime(event: QueueEvent): number {
  return Date.parse(event.at);
}

/** A string field of an event's data, or undefined. */
export function eventText(event: QueueEvent, field: string): string | undefined {
  const value = event.data[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The events at or after `since` (epoch milliseconds); `events` is in log order. */
export function eventsSince(events: readonly QueueEvent[], since: number): QueueEvent[] {
  const recent: QueueEvent[] = [];
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index];
    if (event === undefined) continue;
    // The log is ordered by id, and ids follow time, so the first older event ends the scan.
    if (eventTime(event) < since) break;
    recent.push(event);
  }
  return recent.reverse();
}
