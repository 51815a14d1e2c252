import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';
import { sha256Hex } from './hash.js';
import { joinPatches, splitPatch } from './patch-split.js';

const FIRST = 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n';
const SECOND =
  'diff --git a/b.txt b/b.txt\nnew file mode 100644\n--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1 @@\n+b\n';
const PLAIN = '--- c.txt\n+++ c.txt\n@@ -1 +1 @@\n-c\n+C\n';

describe('splitPatch and joinPatches', () => {
  it('splits a multi-file patch into per-file patches that join back', () => {
    const parts = splitPatch(`Subject: preamble\n\n${FIRST}${SECOND}`);
    expect(parts).toEqual([
      { path: 'a.txt', patch: FIRST },
      { path: 'b.txt', patch: SECOND },
    ]);
    expect(joinPatches(parts.map((part) => part.patch))).toBe(FIRST + SECOND);
  });

  it('splits plain diff -u files and adds missing final newlines when joining', () => {
    expect(splitPatch(PLAIN + PLAIN.replace(/c\.txt/g, 'd.txt')).map((part) => part.path)).toEqual([
      'c.txt',
      'd.txt',
    ]);
    expect(joinPatches([FIRST.trimEnd(), '', SECOND])).toBe(FIRST + SECOND);
  });
});

describe('splitPatch on binary patches', () => {
  it('keeps the empty line that ends a binary hunk, so the split parts still apply (found replaying a real history)', async () => {
    const temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    try {
      const root = temporary.root;
      const base = (await runGit(['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
      await writeFile(join(root, 'blob.bin'), Buffer.from([0, 1, 2, 3, 255, 0, 7]));
      await writeFile(join(root, 'a.txt'), 'A\n');
      await runGit(['add', '-A'], { cwd: root });
      const diff = (
        await runGit(['diff', '--cached', '--binary', '--full-index', '--no-renames', base], { cwd: root })
      ).stdout;
      const parts = splitPatch(diff);
      expect(parts.map((part) => part.path)).toEqual(['a.txt', 'blob.bin']);
      expect(parts[1]!.patch.endsWith('\n\n')).toBe(true);
      await runGit(['reset', '--quiet', '--hard', base], { cwd: root });
      // The binary part first, then a text part: git needs the binary hunk's closing empty line.
      const rejoined = joinPatches([parts[1]!.patch, parts[0]!.patch]);
      const check = await runGit(['apply', '--check', '-'], {
        cwd: root,
        input: rejoined,
        allowFailure: true,
      });
      expect(check.stderr).toBe('');
      expect(check.exitCode).toBe(0);
    } finally {
      await temporary.cleanup();
    }
  });
});

describe('sha256Hex', () => {
  it('hashes UTF-8 text', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('ä')).not.toBe(sha256Hex('a'));
  });
});
