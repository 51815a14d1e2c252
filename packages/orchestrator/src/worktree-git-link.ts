import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HyperionError } from '@hyperion/schema';

/**
 * What a linked worktree's `.git` file said when Hyperion made the worktree: the line that tells
 * git where the worktree's repository data is (`gitdir: …`).
 */
export interface GitLink {
  /** The worktree's directory. */
  worktreePath: string;
  /** The `.git` file's content as git wrote it. */
  content: string;
  /**
   * The worktree's own git directory it names (`<git dir>/worktrees/<name>`): where git commands in
   * the worktree are pinned to once an agent ran there (`Worktree.pinnedTo`).
   */
  gitDirectory: string;
}

/** Reads a freshly made worktree's `.git` file, before any agent runs in it. */
export async function readGitLink(worktreePath: string): Promise<GitLink> {
  const content = await readFile(join(worktreePath, '.git'), 'utf8');
  const named = /^gitdir: (.+)$/m.exec(content)?.[1];
  if (named === undefined) {
    throw new HyperionError(
      'git_failed',
      `the worktree ${worktreePath} has no gitdir line in its .git file`,
      {
        details: { worktree: worktreePath },
      },
    );
  }
  return { worktreePath, content, gitDirectory: resolve(worktreePath, named) };
}

/**
 * Checks, after an agent ran in the worktree, that its `.git` file is the one Hyperion made. An
 * agent that can only edit files in the worktree could otherwise point it at a repository of its
 * own making (its config naming an `fsmonitor` or hook command), which git commands in the
 * worktree would obey. A changed link (a file rewritten, replaced by a directory or a symlink, or
 * deleted) is put back as it was, so that removing the worktree stays safe, and the reason is
 * returned; undefined when it is unchanged. A process the agent left behind may still rewrite it
 * after this check: git commands after an agent's run are therefore pinned to
 * {@link GitLink.gitDirectory} (`Worktree.pinnedTo`), never led by the file.
 */
export async function restoreChangedGitLink(link: GitLink): Promise<string | undefined> {
  const path = join(link.worktreePath, '.git');
  const now = await lstat(path).catch(() => undefined);
  // The size first: a huge (sparse) file is never read into memory.
  const unchanged =
    now?.isFile() === true &&
    now.size === Buffer.byteLength(link.content) &&
    (await readFile(path, 'utf8')) === link.content;
  if (unchanged) return undefined;
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
