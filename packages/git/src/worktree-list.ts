/** One entry of `git worktree list --porcelain`. */
export interface WorktreeListEntry {
  /** Absolute path of the worktree. */
  path: string;
  /** Commit checked out, or undefined (bare repository, unborn branch). */
  head: string | undefined;
  /** Short name of the branch checked out (`main`, not `refs/heads/main`), or undefined when detached. */
  branch: string | undefined;
  /** True when the worktree is locked (`git worktree lock`, or a `git worktree add` that was killed). */
  locked: boolean;
}

/** Parses the output of `git worktree list --porcelain`. */
export function parseWorktreeList(output: string): WorktreeListEntry[] {
  const entries: WorktreeListEntry[] = [];
  let current: WorktreeListEntry | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('worktree ')) {
      current = { path: line.slice('worktree '.length), head: undefined, branch: undefined, locked: false };
      entries.push(current);
    } else if (current !== undefined && line.startsWith('HEAD ')) {
      const head = line.slice('HEAD '.length);
      current.head = /^0+$/.test(head) ? undefined : head;
    } else if (current !== undefined && line.startsWith('branch ')) {
      const ref = line.slice('branch '.length);
      current.branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
    } else if (current !== undefined && (line === 'locked' || line.startsWith('locked '))) {
      current.locked = true;
    }
  }
  return entries;
}
