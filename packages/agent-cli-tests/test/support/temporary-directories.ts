import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(() => {
  for (const directory of created.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A temporary directory removed after the current test. */
export function temporaryDirectory(prefix = 'hyperion-agent-cli-'): string {
  const directory = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  created.push(directory);
  return directory;
}

/**
 * A temporary root holding `home/` (the CLI's HOME and config), `repository/` (a git repository
 * whose first commit holds `files`) and `outside/` with one sentinel file; removed after the test.
 */
export function temporaryWorkspace(files: Record<string, string> = {}): {
  root: string;
  home: string;
  repository: string;
  outside: string;
} {
  const root = temporaryDirectory();
  const home = join(root, 'home');
  const repository = join(root, 'repository');
  const outside = join(root, 'outside');
  for (const directory of [home, repository, outside]) mkdirSync(directory);
  writeFileSync(join(outside, 'sentinel.txt'), 'must not change\n');
  for (const [path, content] of Object.entries({ 'README.md': '# test\n', ...files })) {
    mkdirSync(dirname(join(repository, path)), { recursive: true });
    writeFileSync(join(repository, path), content);
  }
  const git = (...gitArguments: string[]) =>
    execFileSync('git', gitArguments, { cwd: repository, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'base');
  return { root, home, repository, outside };
}
