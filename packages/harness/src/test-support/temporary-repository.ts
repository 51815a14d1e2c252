import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(() => {
  for (const directory of created.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/**
 * A real temporary directory holding `repository/` (a git repository whose first commit holds
 * `files`) and an empty sibling `outside/`; removed after the current test.
 */
export function temporaryRepository(files: Record<string, string> = {}): {
  root: string;
  repository: string;
} {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'hyperion-harness-test-')));
  created.push(root);
  const repository = join(root, 'repository');
  mkdirSync(repository);
  mkdirSync(join(root, 'outside'));
  for (const [path, content] of Object.entries({ 'README.md': '# test\n', ...files })) {
    mkdirSync(dirname(join(repository, path)), { recursive: true });
    writeFileSync(join(repository, path), content);
  }
  const git = (...gitArguments: string[]) =>
    execFileSync('git', gitArguments, { cwd: repository, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'base');
  return { root, repository };
}
