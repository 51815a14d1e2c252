import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from './run-git.js';

/**
 * How many packs {@link consolidatePacks} lets accumulate before it repacks: git's own
 * `gc.autoPackLimit` default. The repository's configuration is not read (that would cost a git
 * process on every call).
 */
export const PACK_LIMIT = 50;

/** What {@link consolidatePacks} did. */
export interface PackConsolidation {
  /** True when `git repack` ran and succeeded. */
  repacked: boolean;
  /** Why it did not: the packs were within the limit, or the repack failed (git older than 2.32, say). */
  reason?: 'within_limit' | 'repack_failed';
  /** Packs (`objects/pack/*.pack`) before. */
  packsBefore: number;
  /** Packs after (as before when nothing was repacked). */
  packsAfter: number;
}

async function countPacks(gitDirectory: string): Promise<number> {
  const names = await readdir(join(gitDirectory, 'objects', 'pack')).catch(() => []);
  return names.filter((name) => name.startsWith('pack-') && name.endsWith('.pack')).length;
}

/**
 * Keeps the number of packs of `gitDirectory` (the common git directory) bounded: every chain the
 * queue builds in one go adds a small pack (see `PackWriter`), and git (and isomorphic-git) slow
 * down with many packs, while nothing in the queue's plumbing runs `git gc --auto`. Counts the
 * packs (one directory read) and, above `limit` (default {@link PACK_LIMIT}), runs `git repack
 * --geometric=2 -d -l -q`: only the smallest packs are merged, so the cost stays proportional to
 * what accumulated, not to the repository (the large pack of a clone is left alone). Loose objects
 * are packed too. Needs git 2.32 or later; any failure is not reported except as `repacked:
 * false`. Safe with readers running (git removes a pack only once its objects are in the new
 * one); meant to run outside any step that must be fast, and from one place at a time.
 */
export async function consolidatePacks(
  gitDirectory: string,
  options: { limit?: number } = {},
): Promise<PackConsolidation> {
  const packsBefore = await countPacks(gitDirectory);
  if (packsBefore <= (options.limit ?? PACK_LIMIT)) {
    return { repacked: false, reason: 'within_limit', packsBefore, packsAfter: packsBefore };
  }
  const result = await runGit(['--git-dir', gitDirectory, 'repack', '--geometric=2', '-d', '-l', '-q'], {
    cwd: gitDirectory,
    allowFailure: true,
  }).catch(() => undefined);
  const packsAfter = await countPacks(gitDirectory);
  return result?.exitCode === 0
    ? { repacked: true, packsBefore, packsAfter }
    : { repacked: false, reason: 'repack_failed', packsBefore, packsAfter };
}
