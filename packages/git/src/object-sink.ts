import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

/** The kinds of git object Hyperion writes in-process. */
export type GitObjectType = 'blob' | 'tree' | 'commit';

/**
 * Where in-process writes put git objects: the loose object database ({@link looseObjects}) or a
 * pack being collected (`PackWriter`). `add` returns the object's sha; the object may become
 * readable only later (a pack, once written).
 */
export interface ObjectSink {
  /** Adds the object of `type` with `content` (no header) and returns its sha. */
  add(type: GitObjectType, content: Buffer): string | Promise<string>;
}

/** The bytes git hashes for an object: `<type> <size>\0<content>`. */
export function objectWithHeader(type: GitObjectType, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${type} ${content.length}\0`, 'latin1'), content]);
}

/** The sha git gives the object of `type` with `content` (sha1 of {@link objectWithHeader}). */
export function objectSha(type: GitObjectType, content: Buffer): string {
  return createHash('sha1').update(objectWithHeader(type, content)).digest('hex');
}

/**
 * Writes `content` as a loose object of `type` into the object database of `gitDirectory` the way
 * git does (zlib-deflated `<type> <size>\0<content>` in `objects/xx/…`, written to a temporary
 * file in the same directory and linked into place, read-only; an object already there is left
 * alone) and returns its sha. A reader never sees a half-written object.
 */
export async function writeLooseObject(
  gitDirectory: string,
  type: GitObjectType,
  content: Buffer,
): Promise<string> {
  const object = objectWithHeader(type, content);
  const sha = createHash('sha1').update(object).digest('hex');
  const directory = join(gitDirectory, 'objects', sha.slice(0, 2));
  const path = join(directory, sha.slice(2));
  if ((await stat(path).catch(() => undefined)) !== undefined) return sha;
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `tmp_obj_${randomBytes(6).toString('hex')}`);
  await writeFile(temporary, deflateSync(object), { mode: 0o444 });
  try {
    await link(temporary, path).catch((error: NodeJS.ErrnoException) => {
      // Another writer put the same object there first: it is the same bytes.
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temporary, { force: true });
  }
  return sha;
}

/** A sink writing each object at once as a loose object of `gitDirectory` (see `writeLooseObject`). */
export function looseObjects(gitDirectory: string): ObjectSink {
  return { add: (type, content) => writeLooseObject(gitDirectory, type, content) };
}

/** `destination` as a sink: a string is a common git directory, written loose. */
export function objectSinkOf(destination: string | ObjectSink): ObjectSink {
  return typeof destination === 'string' ? looseObjects(destination) : destination;
}
