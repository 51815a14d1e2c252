import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Name of the lock file, in the repository's common git directory. */
export const LANDING_LOCK_FILE = 'hyperion-landing.lock';

/** True while a process with this pid exists (on this host). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` holding a lock file that serializes landings onto a checked-out branch across
 * processes (moving a working tree and its ref is two steps; two landers must not interleave).
 * The file holds the owner's pid: a lock left by a process that died (SIGKILL) is taken over.
 */
export async function withLandingLock<T>(
  gitDirectory: string,
  work: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  const path = join(gitDirectory, LANDING_LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  // The pid is written to a private file first and linked into place, so the lock file never
  // exists without its owner (a SIGKILL between create and write would leave an ownerless lock).
  const claim = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(claim, String(process.pid));
  try {
    for (;;) {
      try {
        await link(claim, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(owner) && owner > 0 && !isProcessAlive(owner)) {
          await rm(path, { force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for the landing lock ${path} (held by pid ${owner})`);
        }
        await sleep(10 + Math.random() * 20);
      }
    }
  } finally {
    await rm(claim, { force: true });
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}
