import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { GitObjectType } from './object-sink.js';

/*
 * A packed object read in-process with a few positional reads: each pack index of the repository
 * is searched through its fanout table (the shas starting with the object's first byte only); a
 * small index is kept whole in memory once read (see CACHED_INDEX_BYTES), and no whole pack is read. Only whole objects are read here (the
 * packs `PackWriter` writes hold no deltas); a delta is left to isomorphic-git.
 */

const FULL_SHA = /^[0-9a-f]{40}$/;
const TYPES: ReadonlyArray<GitObjectType | undefined> = [undefined, 'commit', 'tree', 'blob'];

function readAt(descriptor: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(descriptor, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/**
 * Pack indexes at most this large are kept whole in memory once read (the small packs
 * `PackWriter` writes, a few KiB each): a pack's name is its checksum, so its index never changes.
 * Larger ones (a clone's pack) are read a slice at a time, as before.
 */
const CACHED_INDEX_BYTES = 64 * 1024;

/** Most small indexes kept; past it the cache starts again (packs are consolidated long before). */
const CACHED_INDEXES = 256;

/** Whole small pack indexes by path (see {@link CACHED_INDEX_BYTES}); null: too large to keep. */
const indexCache = new Map<string, Buffer | null>();

/** The index file at `indexPath` whole, when it is small (cached); undefined when it is not. */
function smallIndex(indexPath: string): Buffer | undefined {
  const known = indexCache.get(indexPath);
  if (known !== undefined) return known ?? undefined;
  const content = ((): Buffer | null => {
    const descriptor = openSync(indexPath, 'r');
    try {
      const size = fstatSync(descriptor).size;
      return size <= CACHED_INDEX_BYTES ? readAt(descriptor, size, 0) : null;
    } finally {
      closeSync(descriptor);
    }
  })();
  if (indexCache.size >= CACHED_INDEXES) indexCache.clear();
  indexCache.set(indexPath, content);
  return content ?? undefined;
}

/** The object's offset in the pack of the index at `indexPath`, or undefined when it is not there. */
function offsetInIndex(indexPath: string, sha: Buffer): number | undefined {
  const whole = smallIndex(indexPath);
  if (whole !== undefined)
    return offsetIn((length, position) => whole.subarray(position, position + length), sha);
  const descriptor = openSync(indexPath, 'r');
  try {
    return offsetIn((length, position) => readAt(descriptor, length, position), sha);
  } finally {
    closeSync(descriptor);
  }
}

/** {@link offsetInIndex} over `read(length, position)`, the index file's bytes. */
function offsetIn(read: (length: number, position: number) => Buffer, sha: Buffer): number | undefined {
  const head = read(8, 0);
  if (head.length < 8 || head.readUInt32BE(0) !== 0xff744f63 || head.readUInt32BE(4) !== 2) return undefined;
  const first = sha[0]!;
  const fanout = read(8, 8 + (first === 0 ? 0 : first - 1) * 4);
  const start = first === 0 ? 0 : fanout.readUInt32BE(0);
  const end = fanout.readUInt32BE(first === 0 ? 0 : 4);
  const count = read(4, 8 + 255 * 4).readUInt32BE(0);
  if (end <= start) return undefined;
  const shas = read((end - start) * 20, 8 + 256 * 4 + start * 20);
  let low = 0;
  let high = end - start;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = shas.compare(sha, 0, 20, middle * 20, middle * 20 + 20);
    if (order === 0) {
      const position = start + middle;
      const offsets = 8 + 256 * 4 + count * 24;
      const offset = read(4, offsets + position * 4).readUInt32BE(0);
      if ((offset & 0x80000000) === 0) return offset;
      const large = read(8, offsets + count * 4 + (offset & 0x7fffffff) * 8);
      return Number(large.readBigUInt64BE(0));
    }
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return undefined;
}

/** The whole object at `offset` of the pack at `packPath`, or undefined when it is a delta. */
function objectAt(packPath: string, offset: number): { type: GitObjectType; content: Buffer } | undefined {
  const descriptor = openSync(packPath, 'r');
  try {
    const header = readAt(descriptor, 16, offset);
    let byte = header[0]!;
    const type = TYPES[(byte >> 4) & 7];
    let size = byte & 0x0f;
    let shift = 16;
    let length = 1;
    while ((byte & 0x80) !== 0 && length < header.length) {
      byte = header[length++]!;
      size += (byte & 0x7f) * shift;
      shift *= 128;
    }
    if (type === undefined || (byte & 0x80) !== 0) return undefined;
    // Deflate adds at most a few bytes a 16 KiB block, and 6 for the stream.
    const compressed = readAt(descriptor, size + Math.ceil(size / 16384) * 5 + 64, offset + length);
    const content = inflateSync(compressed);
    return content.length === size ? { type, content } : undefined;
  } finally {
    closeSync(descriptor);
  }
}

/**
 * The object `sha` (a full sha) read from the packs of `gitDirectory` (the common git directory)
 * when one holds it whole: its type and content. Undefined when no pack holds it, when the pack
 * holds it as a delta, or on anything unexpected; the caller then asks isomorphic-git.
 */
export function readPackedObject(
  gitDirectory: string,
  sha: string,
): { type: GitObjectType; content: Buffer } | undefined {
  const found = findInPacks(gitDirectory, sha);
  if (found === undefined) return undefined;
  try {
    return objectAt(found.packPath, found.offset);
  } catch {
    // A pack removed by a repack between the listing and the read, or an unreadable one.
    return undefined;
  }
}

/**
 * True when a pack index of `gitDirectory` (the common git directory) lists the object `sha` (a
 * full sha); false when none does or they cannot be read, which does not prove that the object is
 * missing (it may be loose, in an alternate, or in a pack written meanwhile).
 */
export function isInPacks(gitDirectory: string, sha: string): boolean {
  return findInPacks(gitDirectory, sha) !== undefined;
}

/** The pack that holds `sha` (a full sha) and its offset there, by the packs' indexes. */
function findInPacks(gitDirectory: string, sha: string): { packPath: string; offset: number } | undefined {
  if (!FULL_SHA.test(sha)) return undefined;
  const directory = join(gitDirectory, 'objects', 'pack');
  const wanted = Buffer.from(sha, 'hex');
  try {
    for (const name of readdirSync(directory)) {
      if (!name.startsWith('pack-') || !name.endsWith('.idx')) continue;
      const offset = offsetInIndex(join(directory, name), wanted);
      if (offset !== undefined) return { packPath: join(directory, `${name.slice(0, -4)}.pack`), offset };
    }
  } catch {
    // A pack removed by a repack between the listing and the read, or an unreadable one.
  }
  return undefined;
}
