import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commitEnvironment } from '../commit-identity.js';
import { GitRepository } from '../git-repository.js';
import { runGit } from '../run-git.js';

/** Options of {@link createTemporaryRepository}. */
export interface TemporaryRepositoryOptions {
  /** Files of the first commit, by repository-relative path. Default: a one-line `README.md`. */
  files?: Record<string, string>;
  /** Name of the branch created and checked out. Default `main`. */
  branch?: string;
}

/** A repository in a fresh temporary directory; call `cleanup` (e.g. in `afterEach`) to delete it. */
export interface TemporaryRepository {
  /** The opened repository. */
  repository: GitRepository;
  /** Real absolute path of its main worktree. */
  root: string;
  /** Deletes the directory and everything in it. */
  cleanup: () => Promise<void>;
}

/** Author and date of the first commit, fixed so its sha is the same on every run. */
export const TEMPORARY_REPOSITORY_AUTHOR = { name: 'Hyperion Test', email: 'test@hyperion.localhost' };
const FIXED_DATE = new Date('2024-01-01T00:00:00Z');

/**
 * Creates a real git repository in a temporary directory whose branch holds one commit with
 * `files`, committed by a fixed author at a fixed date. For tests of every package.
 */
export async function createTemporaryRepository(
  options: TemporaryRepositoryOptions = {},
): Promise<TemporaryRepository> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'hyperion-repo-')));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const repository = await GitRepository.init(root, { initialBranch: options.branch ?? 'main' });
    for (const [path, content] of Object.entries(
      options.files ?? { 'README.md': '# temporary repository\n' },
    )) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    await runGit(['add', '-A'], { cwd: root });
    await runGit(
      [
        '-c',
        'commit.gpgsign=false',
        'commit',
        '--quiet',
        '--no-verify',
        '--allow-empty',
        '-m',
        'Initial commit',
      ],
      { cwd: root, env: commitEnvironment(TEMPORARY_REPOSITORY_AUTHOR, FIXED_DATE) },
    );
    return { repository, root, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
