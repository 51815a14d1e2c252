import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { commitEnvironment } from './commit-identity.js';
import { cleanUpMessage } from './commit-object.js';
import { formatHyperionTrailers, parseHyperionTrailers } from './hyperion-trailers.js';
import { runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';
import { appendTrailers } from './trailers.js';
import type { Worktree } from './worktree.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const PATCH = [
  'diff --git a/README.md b/README.md',
  '--- a/README.md',
  '+++ b/README.md',
  '@@ -1 +1 @@',
  '-old',
  '+new',
  'diff --git a/docs/added.txt b/docs/added.txt',
  'new file mode 100755',
  '--- /dev/null',
  '+++ b/docs/added.txt',
  '@@ -0,0 +1 @@',
  '+added',
  '',
].join('\n');

const IDENTITY = { name: 'Ada Lovelace', email: 'ada@example.test' };
const DATE = new Date('2025-03-04T05:06:07Z');
const TRAILERS = formatHyperionTrailers({
  task: 'task-1',
  change: 'chg-1',
  patch: 'a'.repeat(64),
});
const MESSAGE = `Change the README  \n\n\n\nBody line\t\n\n${TRAILERS}\n\n`;

async function repositoryWithTwoWorktrees(): Promise<{
  root: string;
  left: Worktree;
  right: Worktree;
  base: string;
}> {
  const created = await createTemporaryRepository({ files: { 'README.md': 'old\n', 'other.txt': 'o\n' } });
  cleanups.push(created.cleanup);
  const base = await created.repository.requireBranch('main');
  const left = await created.repository.addWorktree(`${created.root}-left`, base);
  const right = await created.repository.addWorktree(`${created.root}-right`, base);
  cleanups.push(() => rm(left.path, { recursive: true, force: true }));
  cleanups.push(() => rm(right.path, { recursive: true, force: true }));
  return { root: created.root, left, right, base };
}

async function gitCommit(worktree: Worktree, message: string): Promise<string> {
  await runGit(
    ['-c', 'commit.gpgsign=false', 'commit', '--no-verify', '--quiet', '--cleanup=whitespace', '-F', '-'],
    { cwd: worktree.path, input: message, env: commitEnvironment(IDENTITY, DATE) },
  );
  return (await runGit(['rev-parse', 'HEAD'], { cwd: worktree.path })).stdout.trim();
}

describe('Worktree.commitIndex (in-process commit object)', () => {
  it('writes, in a linked worktree, the very commit `git commit` makes from the same index', async () => {
    const { left, right, base } = await repositoryWithTwoWorktrees();
    for (const worktree of [left, right]) {
      expect(await worktree.tryApplyPatch(PATCH)).toEqual({ applied: true });
    }
    const byGit = await gitCommit(left, MESSAGE);
    const inProcess = await right.commitIndex({ message: MESSAGE, author: IDENTITY, date: DATE });
    // Same tree, parent, identity, date and cleaned-up message: the same object, byte for byte.
    expect(inProcess).toBe(byGit);
    const shown = await runGit(['cat-file', 'commit', inProcess], { cwd: right.path });
    expect(shown.stdout).toContain(`parent ${base}\n`);
    expect(shown.stdout).toContain('author Ada Lovelace <ada@example.test> 1741064767 +0000\n');
    expect(shown.stdout).toContain('committer Ada Lovelace <ada@example.test> 1741064767 +0000\n');
    // HEAD moved (detached), the worktree is clean, git itself accepts the object.
    expect(await right.head()).toBe(inProcess);
    expect((await runGit(['rev-parse', 'HEAD'], { cwd: right.path })).stdout.trim()).toBe(inProcess);
    expect((await runGit(['status', '--porcelain'], { cwd: right.path })).stdout).toBe('');
    await runGit(['fsck', '--no-dangling', '--strict'], { cwd: right.path });
    expect(parseHyperionTrailers(await right.repository.readCommitMessage(inProcess))).toEqual({
      task: 'task-1',
      change: 'chg-1',
      patch: 'a'.repeat(64),
    });
    // The executable bit of the new file is in the tree.
    const tree = await runGit(['ls-tree', '-r', inProcess], { cwd: right.path });
    expect(tree.stdout).toMatch(/^100755 blob [0-9a-f]{40}\tdocs\/added\.txt$/m);
  });

  it('carries the trailers given apart from the message, as `Worktree.commit` does', async () => {
    const { left, right } = await repositoryWithTwoWorktrees();
    const trailers = [{ key: 'Reviewed-by', value: 'Grace <grace@example.test>' }];
    await writeFile(join(left.path, 'README.md'), 'new\n');
    const viaCommit = await left.commit({ message: 'Subject', trailers, author: IDENTITY, date: DATE });
    expect(await right.tryApplyPatch(PATCH.split('diff --git a/docs')[0]!)).toEqual({ applied: true });
    const viaIndex = await right.commitIndex({ message: 'Subject', trailers, author: IDENTITY, date: DATE });
    expect(viaIndex).toBe(viaCommit);
    expect(await right.repository.readTrailers(viaIndex)).toEqual(trailers);
  });

  it('records the identity given, not git configuration, and the default one when none is', async () => {
    const { root, right } = await repositoryWithTwoWorktrees();
    await runGit(['config', 'user.name', 'Configured Person'], { cwd: root });
    await runGit(['config', 'user.email', 'configured@example.test'], { cwd: root });
    await writeFile(join(right.path, 'README.md'), 'one\n');
    await runGit(['add', 'README.md'], { cwd: right.path });
    const first = await right.commitIndex({ message: 'Given identity', author: IDENTITY });
    const shown = await runGit(['log', '-1', '--format=%an <%ae>|%cn <%ce>', first], { cwd: right.path });
    expect(shown.stdout.trim()).toBe('Ada Lovelace <ada@example.test>|Ada Lovelace <ada@example.test>');
    await writeFile(join(right.path, 'README.md'), 'two\n');
    await runGit(['add', 'README.md'], { cwd: right.path });
    const second = await right.commitIndex({ message: 'Default identity' });
    const defaulted = await runGit(['log', '-1', '--format=%an <%ae>', second], { cwd: right.path });
    expect(defaulted.stdout.trim()).toBe('Hyperion <hyperion@localhost>');
    expect((await runGit(['rev-parse', `${second}^`], { cwd: right.path })).stdout.trim()).toBe(first);
  });

  it('refuses an identity git would rewrite, an empty message and an index with nothing new', async () => {
    const { right } = await repositoryWithTwoWorktrees();
    const code = (error: unknown) => (HyperionError.isInstance(error) ? error.code : String(error));
    await expect(right.commitIndex({ message: 'Nothing changed' }).catch(code)).resolves.toBe(
      'invalid_input',
    );
    await writeFile(join(right.path, 'README.md'), 'changed\n');
    await runGit(['add', 'README.md'], { cwd: right.path });
    await expect(right.commitIndex({ message: ' \n\t\n' }).catch(code)).resolves.toBe('invalid_input');
    for (const name of ['Eve <eve@evil>', 'Trailing dot.', ' leading', 'line\nbreak', 'bell\u0007']) {
      await expect(
        right.commitIndex({ message: 'Subject', author: { name, email: 'e@example.test' } }).catch(code),
      ).resolves.toBe('invalid_input');
    }
    // Nothing was written on the way: HEAD still is the base.
    expect((await runGit(['status', '--porcelain'], { cwd: right.path })).stdout).toBe('M  README.md\n');
  });

  it('runs no hook: prepare-commit-msg and post-commit, which `git commit --no-verify` runs, do not', async () => {
    const { root, right } = await repositoryWithTwoWorktrees();
    const hooks = join(root, '.git', 'hooks');
    await mkdir(hooks, { recursive: true });
    const marker = join(root, 'hook-ran');
    for (const hook of ['prepare-commit-msg', 'post-commit', 'pre-commit', 'commit-msg']) {
      await writeFile(
        join(hooks, hook),
        `#!/bin/sh\necho ${hook} >> '${marker}'\necho forged > "$1" 2>/dev/null\nexit 0\n`,
      );
      await chmod(join(hooks, hook), 0o755);
    }
    await writeFile(join(right.path, 'README.md'), 'hooked\n');
    await runGit(['add', 'README.md'], { cwd: right.path });
    const message = `Subject\n\n${TRAILERS}\n`;
    const commit = await right.commitIndex({ message });
    expect(existsSync(marker)).toBe(false);
    expect(await right.repository.readCommitMessage(commit)).toBe(message);
    // The same index through `git commit --no-verify` does run them (what the in-process path avoids).
    await writeFile(join(right.path, 'README.md'), 'hooked again\n');
    await runGit(['add', 'README.md'], { cwd: right.path });
    await right.commit({ message });
    expect((await readFile(marker, 'utf8')).split('\n').filter(Boolean).sort()).toEqual([
      'post-commit',
      'prepare-commit-msg',
    ]);
  });

  it('moves the branch HEAD names (with a reflog entry) when HEAD is not detached', async () => {
    const created = await createTemporaryRepository({ files: { 'README.md': 'old\n' } });
    cleanups.push(created.cleanup);
    const main = created.repository.mainWorktree();
    const base = await created.repository.requireBranch('main');
    expect(await main.tryApplyPatch(PATCH)).toEqual({ applied: true });
    const commit = await main.commitIndex({ message: 'On the branch' });
    expect(await created.repository.requireBranch('main')).toBe(commit);
    expect((await runGit(['symbolic-ref', 'HEAD'], { cwd: created.root })).stdout.trim()).toBe(
      'refs/heads/main',
    );
    const reflog = await runGit(['reflog', '-1', '--format=%H %gs', 'main'], { cwd: created.root });
    expect(reflog.stdout.trim()).toBe(`${commit} commit: On the branch`);
    expect((await runGit(['rev-parse', `${commit}^`], { cwd: created.root })).stdout.trim()).toBe(base);
  });
});

describe('cleanUpMessage', () => {
  it('gives what `git stripspace` gives', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const messages = [
      MESSAGE,
      '\n\n  \nSubject\r\n\r\nbody \t\n\n\n\nmore\n   ',
      'one line',
      '# not a comment here\n\n\tindented\n',
      appendTrailers('Subject', [{ key: 'Signed-off-by', value: 'A <a@b>' }]),
    ];
    for (const message of messages) {
      const expected = await runGit(['stripspace'], { cwd: created.root, input: message });
      expect(cleanUpMessage(message)).toBe(expected.stdout);
    }
  });
});
