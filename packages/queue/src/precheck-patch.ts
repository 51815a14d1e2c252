import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit, type GitRepository } from '@hyperion/git';

/**
 * Checks, without a worktree, whether `patch` applies to the tree of `commit`: a throwaway index
 * is filled from the commit and `git apply --cached --check` runs against it.
 */
export async function patchAppliesTo(
  repository: GitRepository,
  commit: string,
  patch: string,
): Promise<{ applies: true } | { applies: false; reason: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'hyperion-precheck-'));
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(directory, 'index') };
    await runGit(['read-tree', commit], { cwd: repository.root, env });
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
