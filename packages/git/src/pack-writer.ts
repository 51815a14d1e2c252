import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib, { deflateSync } from 'node:zlib';
import { objectSha, writeLooseObject, type GitObjectType, type ObjectSink } from './object-sink.js';

/*
 * Objects written as one git pack (version 2, no deltas) with its version 2 index, instead of one
 * loose object each: on a file system where creating a file costs far more than writing bytes,
 * the chain of a batch (a tree per changed directory and a commit per entry) then costs two new
 * files whatever its size. The format is git's `Documentation/gitformat-pack.txt`.
 */

/** Pack object type numbers (`OBJ_COMMIT`, `OBJ_TREE`, `OBJ_BLOB`). */
const TYPE_NUMBERS: Readonly<Record<GitObjectType, number>> = { commit: 1, tree: 2, blob: 3 };
/** An index version 2 holds 31-bit offsets in its main table; larger ones need the 64-bit table. */
const LARGEST_SMALL_OFFSET = 0x7fffffff;

let crcTable: Uint32Array | undefined;

/** zlib's own CRC-32 (`zlib.crc32`, from Node 20.15 and 22.2), when this Node has it. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/**
 * The CRC-32 (zlib's, as git's pack index records it) of `bytes`, computed by a table: the
 * packages support Node 20.11, which has no `zlib.crc32`.
 */
export function crc32ByTable(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let index = 0; index < 256; index += 1) {
      let value = index;
      for (let bit = 0; bit < 8; bit += 1) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
      crcTable[index] = value >>> 0;
    }
  }
  const table = crcTable;
  let crc = 0xffffffff;
  for (let index = 0; index < bytes.length; index += 1)
    crc = table[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The CRC-32 (zlib's, as git's pack index records it) of `bytes`: zlib's own where this Node has
 * it (about forty times faster: a chain's pack spent more time here than deflating), else
 * {@link crc32ByTable}.
 */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc32 === undefined ? crc32ByTable(bytes) : nativeCrc32(bytes) >>> 0;
}

/** The type-and-size header of one packed object: type in bits 4–6, the size 4 then 7 bits a byte. */
function packedObjectHeader(type: GitObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_NUMBERS[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/** What {@link PackWriter.write} wrote. */
export interface WrittenPack {
  /** The pack's name: `objects/pack/pack-<name>.pack` and `.idx` (the pack's SHA-1 checksum). */
  name: string;
  /** How many objects it holds. */
  objectCount: number;
}

/** The bytes of a pack and of its index, built in memory. */
interface PackBytes {
  pack: Buffer;
  index: Buffer;
  name: string;
}

/**
 * Collects git objects in memory ({@link ObjectSink}) and writes them as ONE pack of the common
 * git directory ({@link PackWriter.write}): `objects/pack/pack-<checksum>.pack` and its `.idx`.
 * Each object's sha is git's (`sha1("<type> <size>\0<content>")`), so the objects are exactly
 * those loose writes would give; an object added twice is packed once. An object the repository
 * already holds may be packed again: git tolerates the same object in several packs and loose.
 * Nothing can read the objects before `write` has returned.
 */
export class PackWriter implements ObjectSink {
  private readonly objects = new Map<string, { type: GitObjectType; content: Buffer }>();

  /** Adds an object (once: a sha already added is not added again) and returns its sha. */
  add(type: GitObjectType, content: Buffer): string {
    const sha = objectSha(type, content);
    if (!this.objects.has(sha)) this.objects.set(sha, { type, content });
    return sha;
  }

  /** How many distinct objects were added. */
  get size(): number {
    return this.objects.size;
  }

  /**
   * Writes the objects added as one pack and index into `gitDirectory` (the common git
   * directory), the way git's `index-pack` finishes one: both written to temporary files in
   * `objects/pack/` (`tmp_pack_*`, `tmp_idx_*`, read-only), the pack renamed into place first,
   * then the index, whose arrival makes the pack visible to git and to isomorphic-git; a reader
   * never sees half a pack. Nothing is fsynced, as git does not by default (`core.fsync` syncs
   * no objects unless asked, like the loose writes here). Undefined when no object was added. A
   * pack that would pass 2 GiB (offsets beyond the index's 31-bit table) is not written: its
   * objects are written as loose objects instead, and the result is undefined too. The writer
   * may be written again after more objects are added (a new pack holding all of them).
   */
  async write(gitDirectory: string): Promise<WrittenPack | undefined> {
    if (this.objects.size === 0) return undefined;
    const bytes = this.packBytes();
    if (bytes === undefined) {
      for (const { type, content } of this.objects.values()) {
        await writeLooseObject(gitDirectory, type, content);
      }
      return undefined;
    }
    const directory = join(gitDirectory, 'objects', 'pack');
    const suffix = randomBytes(6).toString('hex');
    const temporaryPack = join(directory, `tmp_pack_${suffix}`);
    const temporaryIndex = join(directory, `tmp_idx_${suffix}`);
    try {
      await writeFile(temporaryPack, bytes.pack, { mode: 0o444 }).catch(async (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await mkdir(directory, { recursive: true });
        await writeFile(temporaryPack, bytes.pack, { mode: 0o444 });
      });
      await writeFile(temporaryIndex, bytes.index, { mode: 0o444 });
      // Same name, same bytes (the name is the pack's checksum): renaming over one is harmless.
      await rename(temporaryPack, join(directory, `pack-${bytes.name}.pack`));
      await rename(temporaryIndex, join(directory, `pack-${bytes.name}.idx`));
    } finally {
      await rm(temporaryPack, { force: true });
      await rm(temporaryIndex, { force: true });
    }
    return { name: bytes.name, objectCount: this.objects.size };
  }

  /** The pack and its index, or undefined when an offset would not fit the index's 31-bit table. */
  private packBytes(): PackBytes | undefined {
    const header = Buffer.alloc(12);
    header.write('PACK', 0, 'latin1');
    header.writeUInt32BE(2, 4);
    header.writeUInt32BE(this.objects.size, 8);
    const parts: Buffer[] = [header];
    const entries: Array<{ sha: string; offset: number; crc: number }> = [];
    let offset = header.length;
    for (const [sha, { type, content }] of this.objects) {
      if (offset > LARGEST_SMALL_OFFSET) return undefined;
      const packed = Buffer.concat([packedObjectHeader(type, content.length), deflateSync(content)]);
      entries.push({ sha, offset, crc: crc32(packed) });
      parts.push(packed);
      offset += packed.length;
    }
    const body = Buffer.concat(parts);
    const checksum = createHash('sha1').update(body).digest();
    entries.sort((left, right) => (left.sha < right.sha ? -1 : left.sha > right.sha ? 1 : 0));
    const count = entries.length;
    const index = Buffer.alloc(8 + 256 * 4 + count * (20 + 4 + 4) + 20 + 20);
    index.writeUInt32BE(0xff744f63, 0); // "\377tOc"
    index.writeUInt32BE(2, 4);
    const fanout = new Uint32Array(256);
    for (const { sha } of entries) fanout[Number.parseInt(sha.slice(0, 2), 16)]! += 1;
    let total = 0;
    for (let byte = 0; byte < 256; byte += 1) {
      total += fanout[byte]!;
      index.writeUInt32BE(total, 8 + byte * 4);
    }
    const shas = 8 + 256 * 4;
    const crcs = shas + count * 20;
    const offsets = crcs + count * 4;
    entries.forEach((entry, position) => {
      index.write(entry.sha, shas + position * 20, 'hex');
      index.writeUInt32BE(entry.crc, crcs + position * 4);
      index.writeUInt32BE(entry.offset, offsets + position * 4);
    });
    const trailer = offsets + count * 4;
    checksum.copy(index, trailer);
    createHash('sha1')
      .update(index.subarray(0, trailer + 20))
      .digest()
      .copy(index, trailer + 20);
    return { pack: Buffer.concat([body, checksum]), index, name: checksum.toString('hex') };
  }
}
