import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const FILES: Record<string, string> = {
  'src/add.js': 'export const add = (a, b) => a + b;\n',
  'src/multiply.js': 'export const multiply = (a, b) => a * b;\n',
  'lib/format.js': 'export const format = (n) => n.toFixed(2);\n',
  'README.md': '# demo\n',
};

/** Creates a repository in a new temporary directory: a few source files, one commit on `main`. */
export function createDemoRepository(): string {
  const root = join(realpathSync(mkdtempSync(join(tmpdir(), 'hyperion-example-pipeline-'))), 'repository');
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Example', '-c', 'user.email=example@example.invalid', ...args], {
      cwd: root,
    });
  git('init', '--quiet', '-b', 'main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'Initial commit');
  return root;
}
