import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file, inside a repository's git directory, that names its object database. */
const ID_FILE = join('hyperion', 'object-store-id');

/** What an object-store id looks like (anything else in the file is not ours, and is replaced). */
const ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * The id of the git object database at `gitDirectory` (the common directory, shared by every
 * worktree of the repository): a random id kept in `<gitDirectory>/hyperion/object-store-id`,
 * made by the first caller. Two clones, even at the same path on two machines, get different ids;
 * every worker process of one repository reads the same one. Speculation uses it to tell which
 * candidate commits a worker can build on: only those of its own object database.
 */
export async function objectStoreId(gitDirectory: string): Promise<string> {
  const path = join(gitDirectory, ID_FILE);
  const existing = await readId(path);
  if (existing !== undefined) return existing;
  await mkdir(join(gitDirectory, 'hyperion'), { recursive: true });
  const id = randomBytes(16).toString('hex');
  // Written aside, then linked into place: a reader never sees a half-written id, and of two
  // processes making it at once, the first link wins and both read that one.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${id}\n`, { mode: 0o644 });
  try {
    await link(temporary, path).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      if ((await readId(path)) === undefined) {
        // Not an id of ours (damaged, foreign): replace it.
        await rm(path, { force: true });
        await link(temporary, path);
      }
    });
  } finally {
    await rm(temporary, { force: true });
  }
  const stored = await readId(path);
  if (stored === undefined) throw new Error(`could not record the object store id in ${path}`);
  return stored;
}

async function readId(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return ID_PATTERN.test(text) ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
