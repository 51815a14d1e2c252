import { describe, expect, it } from 'vitest';
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

describe('sha256Hex', () => {
  it('hashes UTF-8 text', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('ä')).not.toBe(sha256Hex('a'));
  });
});
