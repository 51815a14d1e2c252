import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinPatches, runGit, type GitRepository } from '@hyperion/git';

/**
 * Checks, without a worktree, whether `patch` applies to the tree of `commit`: a throwaway index
 * is filled from the commit and `git apply --cached --check` runs against it.
 */
export async function patchAppliesTo(
  repository: GitRepository,
  commit: string,
  patch: string,
): Promise<PrecheckResult> {
  return patchAppliesOnProjection(repository, commit, [], patch);
}

/** Whether a patch applies, with git's reason when it does not. */
export type PrecheckResult = { applies: true } | { applies: false; reason: string };

/**
 * Checks whether `patch` applies to what the branch will hold when its turn comes: the tree of
 * `commit` with each patch of `ahead` (the entries queued before it, in landing order) applied on
 * top, in a throwaway index. Says which patch ahead failed when the projection cannot be built.
 */
export async function patchAppliesOnProjection(
  repository: GitRepository,
  commit: string,
  ahead: ReadonlyArray<{ id: string; patch: string }>,
  patch: string,
): Promise<PrecheckResult> {
  const directory = await mkdtemp(join(tmpdir(), 'hyperion-precheck-'));
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(directory, 'index') };
    await runGit(['read-tree', commit], { cwd: repository.root, env });
    if (ahead.length > 0) {
      // One git run for the whole stack (git applies successive patches of a file in turn).
      const stacked = await runGit(['apply', '--cached', '--whitespace=nowarn', '-'], {
        cwd: repository.root,
        env,
        input: joinPatches(ahead.map((entry) => entry.patch)),
        allowFailure: true,
      });
      if (stacked.exitCode !== 0) {
        return {
          applies: false,
          reason: `the entries queued ahead on the same files (${ahead.map((entry) => entry.id).join(', ')}) do not apply in turn: ${stacked.stderr.trim()}`,
        };
      }
    }
    const check = await runGit(['apply', '--cached', '--check', '--whitespace=nowarn', '-'], {
      cwd: repository.root,
      env,
      input: patch,
      allowFailure: true,
    });
    return check.exitCode === 0 ? { applies: true } : { applies: false, reason: check.stderr.trim() };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
