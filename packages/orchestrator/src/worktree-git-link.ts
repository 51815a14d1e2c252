import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a linked worktree's `.git` file said when Hyperion made the worktree: the line that tells
 * git where the worktree's repository data is (`gitdir: …`).
 */
export interface GitLink {
  /** The worktree's directory. */
  worktreePath: string;
  /** The `.git` file's content as git wrote it. */
  content: string;
}

/** Reads a freshly made worktree's `.git` file, before any agent runs in it. */
export async function readGitLink(worktreePath: string): Promise<GitLink> {
  return { worktreePath, content: await readFile(join(worktreePath, '.git'), 'utf8') };
}

/**
 * Checks, after an agent ran in the worktree, that its `.git` file is the one Hyperion made. An
 * agent that can only edit files in the worktree could otherwise point it at a repository of its
 * own making (its config naming an `fsmonitor` or hook command), which every later git command in
 * the worktree would obey. A changed link (a file rewritten, replaced by a directory or a symlink,
 * or deleted) is put back as it was, so that removing the worktree stays safe, and the reason is
 * returned; undefined when it is unchanged.
 */
export async function restoreChangedGitLink(link: GitLink): Promise<string | undefined> {
  const path = join(link.worktreePath, '.git');
  const now = await lstat(path).catch(() => undefined);
  if (now?.isFile() === true && (await readFile(path, 'utf8')) === link.content) return undefined;
  const what =
    now === undefined
      ? 'deleted'
      : now.isSymbolicLink()
        ? 'replaced by a symlink'
        : now.isDirectory()
          ? 'replaced by a directory'
          : 'rewritten';
  await rm(path, { recursive: true, force: true });
  await writeFile(path, link.content);
  return `the worktree's .git file (where git finds the repository) was ${what} by the agent; it was put back`;
}
