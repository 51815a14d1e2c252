import { createHash } from 'node:crypto';
import { HyperionError, parseWithSchema, QueueEventSchema, type QueueEvent } from '@hyperion/schema';
import { LoggedSubmissionSchema, type LoggedSubmission } from '../event-log.js';

/** The `format` of a shipped segment's header line. */
export const SEGMENT_FORMAT = 'hyperion-log-segment';
/** The segment format version this code writes and reads. */
export const SEGMENT_VERSION = 1;

/** The first line of a segment. */
export interface SegmentHeader {
  /** Always {@link SEGMENT_FORMAT}. */
  format: typeof SEGMENT_FORMAT;
  /** Always {@link SEGMENT_VERSION}. */
  version: typeof SEGMENT_VERSION;
  /** 1 for the first segment, then one more for each. */
  sequence: number;
  /** The `sha256` of the segment before (null for the first): a reordered segment breaks the chain. */
  previous_sha256: string | null;
  /** The last event id of the segment before (0 for the first). */
  after_event_id: number;
  /** The id of this segment's last event. */
  last_event_id: number;
  /** How many submission lines follow. */
  entries: number;
  /** How many event lines follow. */
  events: number;
}

/** A segment read back and verified. */
export interface Segment {
  /** The file it came from. */
  file: string;
  /** Its first line. */
  header: SegmentHeader;
  /** sha256 (hex) of every byte before the end line. */
  sha256: string;
  /** The entries first enqueued in this segment, as submitted. */
  submissions: Array<{ submission: LoggedSubmission; change_request: unknown }>;
  /** Its events, in id order. */
  events: QueueEvent[];
}

/** File name of segment `sequence`: `segment-00000001.jsonl`. */
export function segmentFileName(sequence: number): string {
  return `segment-${String(sequence).padStart(8, '0')}.jsonl`;
}

/** The sequence number a segment file name carries, or undefined for any other name. */
export function segmentSequenceOf(name: string): number | undefined {
  const match = /^segment-(\d{8,})\.jsonl$/.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/**
 * The text of a segment: header, submissions, events, and the end line with the checksum (taken
 * after `redactLine` ran on each submission and event line).
 */
export function formatSegment(
  header: Omit<SegmentHeader, 'format' | 'version' | 'entries' | 'events'>,
  submissions: ReadonlyArray<{ submission: LoggedSubmission; change_request: unknown }>,
  events: readonly QueueEvent[],
  redactLine: (line: string) => string = (line) => line,
): { text: string; sha256: string } {
  const full: SegmentHeader = {
    format: SEGMENT_FORMAT,
    version: SEGMENT_VERSION,
    ...header,
    entries: submissions.length,
    events: events.length,
  };
  const lines = [JSON.stringify(full)];
  for (const { submission, change_request: changeRequest } of submissions) {
    lines.push(
      redactLine(JSON.stringify({ kind: 'submission', submission, change_request: changeRequest ?? null })),
    );
  }
  for (const event of events) lines.push(redactLine(JSON.stringify({ kind: 'event', event })));
  const body = `${lines.join('\n')}\n`;
  const sha256 = createHash('sha256').update(body).digest('hex');
  return { text: `${body}${JSON.stringify({ kind: 'end', sha256 })}\n`, sha256 };
}

function corrupt(file: string, why: string, line?: number): HyperionError {
  return new HyperionError(
    'log_segment_invalid',
    `${file}${line === undefined ? '' : `:${line}`}: ${why}; the segment is not used`,
    { details: { file, ...(line === undefined ? {} : { line }) } },
  );
}

function parseLine(file: string, text: string, line: number): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Reported below.
  }
  throw corrupt(file, 'is not a JSON object', line);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function readHeader(file: string, text: string): SegmentHeader {
  const header = parseLine(file, text, 1);
  if (header['format'] !== SEGMENT_FORMAT || header['version'] !== SEGMENT_VERSION) {
    throw corrupt(file, `is not a ${SEGMENT_FORMAT} version ${SEGMENT_VERSION} header`, 1);
  }
  const previous = header['previous_sha256'];
  const valid =
    isCount(header['sequence']) &&
    header['sequence'] >= 1 &&
    (previous === null || (typeof previous === 'string' && /^[0-9a-f]{64}$/.test(previous))) &&
    isCount(header['after_event_id']) &&
    isCount(header['last_event_id']) &&
    isCount(header['entries']) &&
    isCount(header['events']);
  if (!valid) throw corrupt(file, 'has a malformed header', 1);
  return header as unknown as SegmentHeader;
}

/**
 * Reads and verifies one segment's text: its checksum, its counts and that its event ids rise
 * within `(after_event_id, last_event_id]`. Throws `log_segment_invalid` naming the file (and the
 * line, where one is at fault).
 */
export function parseSegment(file: string, text: string): Segment {
  if (!text.endsWith('\n')) throw corrupt(file, 'is truncated (no final newline)');
  const lines = text.slice(0, -1).split('\n');
  const endLine = lines.length;
  const end = parseLine(file, lines[endLine - 1] ?? '', endLine);
  if (end['kind'] !== 'end' || typeof end['sha256'] !== 'string') {
    throw corrupt(file, 'is truncated (its last line is not the end line)', endLine);
  }
  const body = `${lines.slice(0, -1).join('\n')}\n`;
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (sha256 !== end['sha256']) throw corrupt(file, 'does not match its checksum (corrupted)');
  const header = readHeader(file, lines[0] ?? '');
  const segment: Segment = { file, header, sha256, submissions: [], events: [] };
  let previousId = header.after_event_id;
  for (let index = 1; index < endLine - 1; index += 1) {
    const line = index + 1;
    const record = parseLine(file, lines[index]!, line);
    if (record['kind'] === 'submission') {
      segment.submissions.push({
        submission: parseWithSchema(
          LoggedSubmissionSchema,
          record['submission'],
          `${file}:${line} submission`,
        ),
        change_request: record['change_request'] ?? null,
      });
    } else if (record['kind'] === 'event') {
      const event = parseWithSchema(QueueEventSchema, record['event'], `${file}:${line} event`);
      if (event.id <= previousId || event.id > header.last_event_id) {
        throw corrupt(file, `event ${event.id} is out of order`, line);
      }
      previousId = event.id;
      segment.events.push(event);
    } else {
      throw corrupt(file, "expected kind 'submission', 'event' or 'end'", line);
    }
  }
  if (segment.submissions.length !== header.entries || segment.events.length !== header.events) {
    throw corrupt(file, 'holds other counts than its header says');
  }
  return segment;
}
