import { mkdirSync } from 'node:fs';
import { HyperionError, type QueueEvent } from '@hyperion/schema';
import {
  importParsedLog,
  LoggedSubmissionSchema,
  type EventLogCounts,
  type LoggedSubmission,
} from '../event-log.js';
import type { HyperionStore } from '../store-interface.js';
import { readSegmentDirectory, segmentPosition, writeSegmentFile } from './segment-directory.js';
import { formatSegment } from './segment-format.js';

/** Options of {@link shipLog} and {@link followLog}. */
export interface ShipLogOptions {
  /** Largest number of events in one segment (default 10,000). */
  maxEventsPerSegment?: number;
  /**
   * Rewrites each submission and event line before it is written (the CLI removes secrets a store
   * written before redaction existed may still hold); it must keep the line valid JSON.
   */
  redactLine?: (line: string) => string;
  /** Called with each segment file once it is whole on disk. */
  onSegment?: (file: string, counts: EventLogCounts & { lastEventId: number }) => void;
}

/** What one {@link shipLog} call shipped. */
export interface ShipLogResult {
  /** The segment files written, in order. */
  segments: string[];
  /** Events shipped. */
  events: number;
  /** Submissions shipped (entries enqueued by those events). */
  entries: number;
  /** The last event id now shipped (0 when nothing ever was). */
  lastEventId: number;
}

const DEFAULT_MAX_EVENTS = 10_000;

async function submissionsOf(
  store: HyperionStore,
  events: readonly QueueEvent[],
): Promise<Array<{ submission: LoggedSubmission; change_request: unknown }>> {
  const submissions: Array<{ submission: LoggedSubmission; change_request: unknown }> = [];
  for (const event of events) {
    if (event.type !== 'entry:enqueued') continue;
    const entry = await store.getEntry(event.entry_id);
    if (entry === undefined) {
      throw new HyperionError(
        'invalid_state',
        `event ${event.id} enqueues ${event.entry_id}, which the store does not hold`,
        {
          details: { event: event.id, id: event.entry_id },
        },
      );
    }
    submissions.push({
      submission: LoggedSubmissionSchema.parse(entry),
      change_request: (await store.getChangeRequest(entry.id)) ?? null,
    });
  }
  return submissions;
}

/**
 * Ships the store's event log into `directory` as numbered, checksummed segments, continuing after
 * the last segment already there (so it is resumable, and a shipper killed mid-segment loses
 * nothing: the half-written file never got its name, and the events are still in the store). Each
 * segment carries its events and the submissions of the entries they enqueue; a segment is written
 * once and never rewritten. Returns what this call added (nothing when the log was up to date).
 */
export async function shipLog(
  store: HyperionStore,
  directory: string,
  options: ShipLogOptions = {},
): Promise<ShipLogResult> {
  const limit = options.maxEventsPerSegment ?? DEFAULT_MAX_EVENTS;
  mkdirSync(directory, { recursive: true });
  let position = segmentPosition(directory);
  const result: ShipLogResult = { segments: [], events: 0, entries: 0, lastEventId: position.lastEventId };
  for (;;) {
    // Only events no open transaction can still slip in below: a segment never skips one.
    const events = await store.listCommittedEvents({ afterId: position.lastEventId, limit });
    if (events.length === 0) return result;
    const submissions = await submissionsOf(store, events);
    const lastEventId = events.at(-1)!.id;
    const { text, sha256 } = formatSegment(
      {
        sequence: position.nextSequence,
        previous_sha256: position.previousSha256,
        after_event_id: position.lastEventId,
        last_event_id: lastEventId,
      },
      submissions,
      events,
      options.redactLine,
    );
    const file = await writeSegmentFile(directory, position.nextSequence, text);
    result.segments.push(file);
    result.events += events.length;
    result.entries += submissions.length;
    result.lastEventId = lastEventId;
    options.onSegment?.(file, { entries: submissions.length, events: events.length, lastEventId });
    position = { nextSequence: position.nextSequence + 1, previousSha256: sha256, lastEventId };
  }
}

/** Options of {@link followLog}. */
export interface FollowLogOptions extends ShipLogOptions {
  /** Stops following (the segment being written is finished first). */
  signal: AbortSignal;
  /** Longest wait between two looks at the store (default 1,000 ms; changes wake it sooner). */
  intervalMs?: number;
}

/**
 * Ships like {@link shipLog}, then keeps shipping new events as they are committed (woken by the
 * store's change notification, at most `intervalMs` later) until `signal` aborts.
 */
export async function followLog(
  store: HyperionStore,
  directory: string,
  options: FollowLogOptions,
): Promise<ShipLogResult> {
  const total: ShipLogResult = { segments: [], events: 0, entries: 0, lastEventId: 0 };
  while (!options.signal.aborted) {
    const shipped = await shipLog(store, directory, options);
    total.segments.push(...shipped.segments);
    total.events += shipped.events;
    total.entries += shipped.entries;
    total.lastEventId = shipped.lastEventId;
    if (shipped.events === 0) await store.waitForChange(options.intervalMs ?? 1_000, options.signal);
  }
  return total;
}

/**
 * Rebuilds an empty store from the segments in `directory` alone. Refuses a missing, reordered,
 * truncated or corrupted segment (`log_segment_invalid`, naming it) before anything is written, and
 * a store that already holds a queue (`invalid_state`).
 */
export async function restoreShippedLog(
  directory: string,
  store: HyperionStore,
): Promise<EventLogCounts & { segments: number }> {
  const segments = readSegmentDirectory(directory);
  if (segments.length === 0) {
    throw new HyperionError(
      'log_segment_invalid',
      `${directory}: holds no shipped segments (segment-00000001.jsonl …)`,
      {
        details: { file: directory },
      },
    );
  }
  const submitted = new Set<string>();
  for (const segment of segments) {
    for (const { submission } of segment.submissions) submitted.add(submission.id);
    for (const event of segment.events) {
      if (!submitted.has(event.entry_id)) {
        throw new HyperionError(
          'log_segment_invalid',
          `${segment.file}: event ${event.id} belongs to ${event.entry_id}, whose submission no segment up to here carries`,
          { details: { file: segment.file, event: event.id } },
        );
      }
    }
  }
  const counts = await importParsedLog(
    {
      submissions: segments.flatMap((segment) => segment.submissions),
      events: segments.flatMap((segment) => segment.events),
    },
    directory,
    store,
  );
  return { ...counts, segments: segments.length };
}
