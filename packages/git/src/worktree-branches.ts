import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** What {@link worktreeWithBranchOf} needs of a repository. */
export interface WorktreeRoots {
  /** The main worktree (the common git directory itself for a bare repository). */
  readonly root: string;
  /** The common git directory. */
  readonly gitDirectory: string;
}

async function symbolicRefOf(headFile: string): Promise<string | undefined> {
  const content = await readFile(headFile, 'utf8').catch(() => '');
  return /^ref: (\S+)\s*$/.exec(content)?.[1];
}

/**
 * The path of the worktree that has `ref` (a full `refs/heads/…` name) checked out, or undefined,
 * read in-process the way `git worktree list` reads it: the main worktree's HEAD in the common
 * git directory (none for a bare repository), each linked worktree's HEAD and `gitdir` file under
 * `worktrees/<id>/`. An entry being written or removed meanwhile (a missing file) is skipped, and
 * a worktree whose directory is gone does not count.
 */
export async function worktreeWithBranchOf(
  repository: WorktreeRoots,
  ref: string,
): Promise<string | undefined> {
  const bare = resolve(repository.root) === resolve(repository.gitDirectory);
  if (
    !bare &&
    (await symbolicRefOf(join(repository.gitDirectory, 'HEAD'))) === ref &&
    existsSync(repository.root)
  ) {
    return repository.root;
  }
  const administrative = join(repository.gitDirectory, 'worktrees');
  const names = await readdir(administrative).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const directory = join(administrative, name);
    if ((await symbolicRefOf(join(directory, 'HEAD'))) !== ref) continue;
    const dotGit = (await readFile(join(directory, 'gitdir'), 'utf8').catch(() => '')).trim();
    if (dotGit === '') continue;
    const absolute = resolve(directory, dotGit);
    const path = basename(absolute) === '.git' ? dirname(absolute) : absolute;
    if (existsSync(path)) return path;
  }
  return undefined;
}
