import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { parsePatch } from './patch-parse.js';
import { runGit } from './run-git.js';
import { unsafeSymlinkTargetReason } from './symlink-target.js';
import { createTemporaryRepository, type TemporaryRepository } from './testing/temporary-repository.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

function parseError(patch: string): HyperionError {
  try {
    parsePatch(patch);
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected parsePatch to throw');
}

/** What real git prints for the work-tree changes made by `edit`, staged with `git add -A`. */
async function gitDiff(edit: (root: string) => Promise<void>, stage = true): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'README.md': '# r\n', 'run.sh': 'echo\n' } });
  await edit(temporary.root);
  if (stage) await runGit(['add', '-A'], { cwd: temporary.root });
  return (await runGit(['diff', '--cached', '--binary'], { cwd: temporary.root })).stdout;
}

describe('file modes in patches (real git output)', () => {
  it('records a new symlink and its target', async () => {
    const patch = await gitDiff(async (root) => {
      await mkdir(join(root, 'docs'));
      await symlink('../../outside', join(root, 'docs/link'));
    });
    expect(patch).toContain('new file mode 120000');
    expect(parsePatch(patch)).toMatchObject([
      {
        path: 'docs/link',
        operation: 'create',
        oldMode: undefined,
        newMode: 'symlink',
        symlinkTarget: '../../outside',
        binary: false,
      },
    ]);
  });

  it('records a retargeted symlink from its index line, and a mode change', async () => {
    const patch = await gitDiff(async (root) => {
      await symlink('README.md', join(root, 'link'));
      await runGit(['add', '-A'], { cwd: root });
      await runGit(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'link'], { cwd: root });
      await runGit(['rm', '-q', 'link'], { cwd: root });
      await symlink('/etc/passwd', join(root, 'link'));
      await chmod(join(root, 'run.sh'), 0o755);
    });
    const files = parsePatch(patch);
    expect(files.find((file) => file.path === 'link')).toMatchObject({
      operation: 'update',
      oldMode: 'symlink',
      newMode: 'symlink',
      symlinkTarget: '/etc/passwd',
    });
    expect(files.find((file) => file.path === 'run.sh')).toMatchObject({
      oldMode: 'regular',
      newMode: 'executable',
      symlinkTarget: undefined,
    });
  });

  it('records a gitlink (a submodule commit)', async () => {
    const patch = await gitDiff(async (root) => {
      await runGit(['update-index', '--add', '--cacheinfo', `160000,${'a'.repeat(40)},vendor/lib`], {
        cwd: root,
      });
    }, false);
    expect(parsePatch(patch)).toMatchObject([
      { path: 'vendor/lib', operation: 'create', newMode: 'gitlink', symlinkTarget: undefined },
    ]);
  });

  it('records NUL bytes in a text hunk, and refuses an unknown mode', () => {
    const patch =
      'diff --git a/x.txt b/x.txt\nnew file mode 100644\n--- /dev/null\n+++ b/x.txt\n@@ -0,0 +1 @@\n+a\0b\n';
    expect(parsePatch(patch)).toMatchObject([{ path: 'x.txt', nulBytes: true, binary: false }]);
    expect(parsePatch(patch.replace('\0', ''))[0]?.nulBytes).toBe(false);
    expect(parseError(patch.replace('100644', '040000')).message).toBe(
      "line 2: unknown file mode '040000' (expected 100644, 100755, 120000 or 160000)",
    );
  });
});

describe('paths in patch headers', () => {
  it('refuses a C-quoted escape sequence once unquoted, on every header line', async () => {
    const patch = await gitDiff(async (root) => {
      await mkdir(join(root, 'src'));
      await writeFile(join(root, 'src', '\u001b[2K\u001b[1Gok.js'), 'x\n');
    });
    expect(patch).toContain('"b/src/\\033[2K\\033[1Gok.js"');
    const error = parseError(patch);
    expect(error.code).toBe('unsafe_path');
    expect(error.message).toBe(
      "line 1: unsafe path 'src/\\x1b[2K\\x1b[1Gok.js': contains the control character U+001B at offset 4",
    );
    const headersOnly = patch.replace(/^diff --git .*\n/, '');
    expect(parseError(headersOnly).message).toMatch(/^line 4: unsafe path 'src\/\\x1b\[2K/);
    const renamed =
      'diff --git a/a.txt b/b.txt\nsimilarity index 100%\nrename from a.txt\nrename to "\\342\\200\\256b.txt"\n';
    expect(parseError(renamed).message).toMatch(/^line 4: .*U\+202E/);
  });

  it('refuses a header path that climbs out or goes under .git/', () => {
    expect(parseError('--- a/../x\n+++ b/../x\n@@ -1 +1 @@\n-a\n+b\n').message).toMatch(
      /^line 1: unsafe path '\.\.\/x': contains a '\.\.' segment/,
    );
    expect(parseError('diff --git a/.git/config b/.git/config\n').code).toBe('unsafe_path');
  });
});

describe('unsafeSymlinkTargetReason', () => {
  it.each([
    ['link', '/etc/passwd', /points to the absolute path '\/etc\/passwd'/],
    ['docs/link', '../../outside', /points outside the repository/],
    ['link', '..', /points outside the repository/],
    ['a/b/link', '../../../x', /points outside the repository/],
    ['link', '.git/config', /which is under \.git\//],
    ['docs/link', '../.hyperion/config.json', /which is under \.hyperion\//],
    ['link', '', /has an empty target/],
    ['link', 'a\u001b[2Kb', /control character U\+001B/],
  ])('refuses %s -> %j', (link, target, reason) => {
    expect(unsafeSymlinkTargetReason(link, target)).toMatch(reason);
  });

  it.each([
    ['docs/link', '../README.md'],
    ['link', 'src/a.js'],
    ['a/b/link', '../../c'],
    ['docs/link', '..'],
    ['link', './x/./y'],
  ])('accepts %s -> %j, which stays inside', (link, target) => {
    expect(unsafeSymlinkTargetReason(link, target)).toBeUndefined();
  });
});
