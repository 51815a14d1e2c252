import { withRepositoryLock } from './repository-lock.js';

/** Name of the landing lock file, in the repository's common git directory. */
export const LANDING_LOCK_FILE = 'hyperion-landing.lock';

/**
 * Runs `work` holding the landing lock, which serializes landings onto a checked-out branch across
 * processes (moving a working tree and its ref is two steps; two landers must not interleave).
 * See {@link withRepositoryLock} for how a dead holder's lock is taken over.
 */
export function withLandingLock<T>(
  gitDirectory: string,
  work: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  return withRepositoryLock(gitDirectory, LANDING_LOCK_FILE, work, { timeoutMs, purpose: 'landing' });
}
