import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { HyperionError, reachFaultPoint } from '@hyperion/schema';
import { parseSegment, segmentFileName, segmentSequenceOf, type Segment } from './segment-format.js';

/** Prefix of the files a shipper writes before it links them under their final name. */
const PARTIAL_PREFIX = '.partial-';

/**
 * Whether the shipper that is writing the partial file `name` (which ends in its pid) still runs:
 * its file is left alone (another shipper beside this one, a cron run beside `--follow`). A pid of
 * this very process counts as gone: its own leftovers are never in use.
 */
function writerIsAlive(name: string): boolean {
  const pid = Number(/\.(\d+)$/.exec(name)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where the last segment of a directory left the log: what the next segment continues from. */
export interface SegmentPosition {
  /** The next segment's sequence number. */
  nextSequence: number;
  /** The last segment's checksum (null when there is none). */
  previousSha256: string | null;
  /** The last shipped event id (0 when nothing was shipped). */
  lastEventId: number;
}

/** The segment files of `directory` in sequence order (other files are ignored). */
export function listSegmentFiles(directory: string): Array<{ sequence: number; file: string }> {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .map((name) => ({ sequence: segmentSequenceOf(name), file: join(directory, name) }))
    .filter((item): item is { sequence: number; file: string } => item.sequence !== undefined)
    .sort((left, right) => left.sequence - right.sequence);
}

/** Reads and verifies one segment file. */
export function readSegmentFile(file: string): Segment {
  return parseSegment(file, readFileSync(file, 'utf8'));
}

function invalid(message: string, file: string): HyperionError {
  return new HyperionError('log_segment_invalid', message, { details: { file } });
}

/**
 * Checks that `segment` follows `previous` (or starts the log when there is none): its number is
 * the next one, it names the previous segment's checksum and continues from its last event.
 */
export function checkFollows(segment: Segment, previous: Segment | undefined): void {
  const expected = previous === undefined ? 1 : previous.header.sequence + 1;
  const { header, file } = segment;
  if (header.sequence !== expected) {
    throw invalid(`${file}: holds segment ${header.sequence} where segment ${expected} belongs`, file);
  }
  if (header.previous_sha256 !== (previous?.sha256 ?? null)) {
    throw invalid(
      `${file}: does not follow ${previous?.file ?? 'the start of the log'} (checksum chain broken)`,
      file,
    );
  }
  if (header.after_event_id !== (previous?.header.last_event_id ?? 0)) {
    throw invalid(
      `${file}: starts after event ${header.after_event_id}, but the segment before ends at event ${previous?.header.last_event_id ?? 0}`,
      file,
    );
  }
}

/**
 * Reads every segment of `directory`, refusing a gap in the numbers, a segment out of its place in
 * the checksum chain, a truncated or a corrupted one, with one error naming the file.
 */
export function readSegmentDirectory(directory: string): Segment[] {
  const files = listSegmentFiles(directory);
  const segments: Segment[] = [];
  for (const [index, { sequence, file }] of files.entries()) {
    if (sequence !== index + 1) {
      const missing = join(directory, segmentFileName(index + 1));
      throw invalid(`${missing}: segment ${index + 1} is missing (the next one is ${sequence})`, missing);
    }
    const segment = readSegmentFile(file);
    checkFollows(segment, segments.at(-1));
    segments.push(segment);
  }
  return segments;
}

/**
 * Where the next segment of `directory` starts, from its last segment (verified). Files a shipper
 * left half-written when it was killed never got their final name; they are deleted here (those
 * of a shipper still running are not).
 */
export function segmentPosition(directory: string): SegmentPosition {
  for (const name of existsSync(directory) ? readdirSync(directory) : []) {
    if (name.startsWith(PARTIAL_PREFIX) && !writerIsAlive(name))
      rmSync(join(directory, name), { force: true });
  }
  const files = listSegmentFiles(directory);
  const last = files.at(-1);
  if (last === undefined) return { nextSequence: 1, previousSha256: null, lastEventId: 0 };
  if (last.sequence !== files.length) {
    const missing = files.findIndex((item, index) => item.sequence !== index + 1) + 1;
    const file = join(directory, segmentFileName(missing));
    throw invalid(`${file}: segment ${missing} is missing; shipping does not continue over a gap`, file);
  }
  const segment = readSegmentFile(last.file);
  return {
    nextSequence: segment.header.sequence + 1,
    previousSha256: segment.sha256,
    lastEventId: segment.header.last_event_id,
  };
}

/**
 * Writes a segment under its final name only once it is whole on disk: written and synced under a
 * partial name, then hard-linked to the final one (which fails if that name exists: a segment is
 * never rewritten, and two shippers cannot both write segment N), then the directory is synced.
 * A shipper killed before the link leaves only the partial file, which the next one deletes.
 */
export async function writeSegmentFile(directory: string, sequence: number, text: string): Promise<string> {
  const file = join(directory, segmentFileName(sequence));
  const partial = join(directory, `${PARTIAL_PREFIX}${segmentFileName(sequence)}.${process.pid}`);
  const descriptor = openSync(partial, 'w', 0o600);
  try {
    writeSync(descriptor, text);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  // A chaos test kills the shipper here: the segment is on disk, but not under its name.
  await reachFaultPoint('ship-before-link', file);
  try {
    linkSync(partial, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new HyperionError(
        'invalid_state',
        `${file} exists already: another shipper writes to this directory; a segment is never rewritten`,
        { details: { file } },
      );
    }
    throw error;
  } finally {
    rmSync(partial, { force: true });
  }
  syncDirectory(directory);
  return file;
}

function syncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    fsyncSync(descriptor);
  } catch {
    // Some file systems cannot sync a directory; the segment itself is synced.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
