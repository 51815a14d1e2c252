import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A patch another tool produced, with the task it belongs to. */
export interface ProducedPatch {
  taskId: string;
  /** Where it came from, for messages. */
  source: string;
  summary: string;
  patch: string;
}

// Commits made here (not by the queue) need an identity even where git has none configured.
const IDENTITY = ['-c', 'user.name=Example', '-c', 'user.email=example@example.invalid'];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8' });
}

/**
 * Creates a repository in a new temporary directory with one commit on `main`, then plays "another
 * tool": in a separate clone it makes three edits and records each as `git diff` output. The third
 * adds a TODO, which the example's check refuses.
 */
export function createDemoRepository(): { root: string; patches: ProducedPatch[] } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'hyperion-example-queue-')));
  const root = join(base, 'repository');
  mkdirSync(root);
  git(root, 'init', '--quiet', '-b', 'main');
  writeFileSync(join(root, 'greeting.txt'), 'hello\n');
  writeFileSync(join(root, 'README.md'), '# demo\n');
  git(root, 'add', '-A');
  git(root, 'commit', '--quiet', '-m', 'Initial commit');

  const scratch = join(base, 'scratch');
  git(base, 'clone', '--quiet', root, scratch);
  const edit = (taskId: string, summary: string, files: Record<string, string>): ProducedPatch => {
    for (const [path, content] of Object.entries(files)) writeFileSync(join(scratch, path), content);
    git(scratch, 'add', '-A'); // new files show up in the diff too
    const patch = git(scratch, 'diff', '--cached');
    git(scratch, 'reset', '--quiet', '--hard');
    git(scratch, 'clean', '--quiet', '-fd');
    return { taskId, source: `the demo's ${taskId} patch`, summary, patch };
  };
  const patches = [
    edit('T-1', 'Greet the world', { 'greeting.txt': 'hello, world\n' }),
    edit('T-2', 'Add a changelog', { 'CHANGELOG.md': '# Changelog\n\n- first entry\n' }),
    edit('T-3', 'Leave a TODO in the README', { 'README.md': '# demo\n\nTODO: write this\n' }),
  ];
  rmSync(scratch, { recursive: true, force: true });
  return { root, patches };
}
