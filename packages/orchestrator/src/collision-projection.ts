import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_COMMIT_IDENTITY,
  commitEnvironment,
  joinPatches,
  runGit,
  type GitRepository,
} from '@hyperion/git';

/** A patch to lay on a projection, named for messages. */
export interface ProjectedPatch {
  /** Who made it: an entry's change id, or a task of the request's earlier phase. */
  id: string;
  /** The unified diff laid on the projection. */
  patch: string;
}

/** What {@link projectCommit} built. */
export type Projection = { built: true; commit: string } | { built: false; reason: string };

/**
 * Builds the commit a developer starts from when its work lands after other changes: the tree of
 * `base` with each patch applied in turn (the order they land in), committed on top of `base`.
 * Nothing is checked out and no ref moves: the patches go through a throwaway index
 * (`git apply --cached`), the tree and the commit are written as objects. The commit message is
 * Hyperion's own and names only ids. When a patch does not apply, says which.
 */
export async function projectCommit(
  repository: GitRepository,
  base: string,
  patches: readonly ProjectedPatch[],
): Promise<Projection> {
  if (patches.length === 0) return { built: true, commit: base };
  const directory = await mkdtemp(join(tmpdir(), 'hyperion-projection-'));
  try {
    const env = { GIT_INDEX_FILE: join(directory, 'index') };
    await runGit(['read-tree', base], { cwd: repository.root, env });
    for (const item of patches) {
      const applied = await runGit(['apply', '--cached', '--whitespace=nowarn', '-'], {
        cwd: repository.root,
        env,
        input: joinPatches([item.patch]),
        allowFailure: true,
      });
      if (applied.exitCode !== 0) {
        const firstLine = applied.stderr.split('\n').find((line) => line.trim() !== '') ?? '';
        return { built: false, reason: `${item.id} does not apply in turn: ${firstLine.trim()}` };
      }
    }
    const tree = (await runGit(['write-tree'], { cwd: repository.root, env })).stdout.trim();
    const message = `Hyperion projection: ${patches.map((item) => item.id).join(', ')}\n`;
    const commit = await runGit(['commit-tree', tree, '-p', base], {
      cwd: repository.root,
      env: { ...env, ...commitEnvironment(DEFAULT_COMMIT_IDENTITY) },
      input: message,
    });
    return { built: true, commit: commit.stdout.trim() };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
