import { describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { parsePatch } from './patch-parse.js';

function parseError(patch: string): HyperionError {
  try {
    parsePatch(patch);
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected parsePatch to throw');
}

describe('parsePatch', () => {
  it('rejects a bare @@ hunk header, naming its line', () => {
    const error = parseError('--- a/README.md\n+++ b/README.md\n@@\n-old\n+new\n');
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe("hunk header at line 3 has no line ranges (expected '@@ -a,b +c,d @@')");
  });

  it('rejects hunks whose counts do not match their bodies', () => {
    expect(parseError('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-old\n+new\n').message).toBe(
      "hunk at line 3 ('@@ -1,2 +1,2 @@') expects 2 old and 2 new lines, but the patch ends at line 5",
    );
    expect(parseError('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n+more\n').message).toBe(
      "hunk at line 3 ('@@ -1 +1 @@') expects 1 old and 1 new lines, but its body continues at line 6",
    );
    expect(parseError('--- a/x\n+++ b/x\n@@ -1,2 +1 @@\n-old\n+new\n+more\n').message).toMatch(
      /line 6 goes past/,
    );
  });

  it('rejects text without file headers, and an empty patch', () => {
    expect(parseError('just some text\n').message).toBe(
      "patch has no file headers (expected 'diff --git' or '---'/'+++' lines)",
    );
    expect(parseError('').message).toBe('patch is empty');
    expect(parseError('@@ -1 +1 @@\n-a\n+b\n').message).toMatch(/^hunk header at line 1 comes before/);
  });

  it('parses a git patch with create, delete, update, rename and binary files', () => {
    const patch = [
      'From 1234 Mon Sep 17 00:00:00 2001',
      'Subject: [PATCH] things',
      '',
      'diff --git a/src/new.ts b/src/new.ts',
      'new file mode 100644',
      'index 0000000..1111111',
      '--- /dev/null',
      '+++ b/src/new.ts',
      '@@ -0,0 +1,2 @@',
      '+export const a = 1;',
      '+export const b = 2;',
      'diff --git a/old.txt b/old.txt',
      'deleted file mode 100644',
      'index 2222222..0000000',
      '--- a/old.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-gone',
      '\\ No newline at end of file',
      'diff --git a/README.md b/README.md',
      'index 3333333..4444444 100644',
      '--- a/README.md',
      '+++ b/README.md',
      '@@ -1,3 +1,3 @@ Title',
      ' keep',
      '-old',
      '+new',
      '',
      'diff --git a/from name.txt b/to name.txt',
      'similarity index 100%',
      'rename from from name.txt',
      'rename to to name.txt',
      'diff --git a/logo.png b/logo.png',
      'new file mode 100644',
      'index 0000000..5555555',
      'GIT binary patch',
      'literal 3',
      'KcmZQz00IC200031',
      '',
      'literal 0',
      'HcmV?d00001',
      '',
      'diff --git a/empty.txt b/empty.txt',
      'new file mode 100644',
      'index 0000000..e69de29',
      '-- ',
      '2.39.5',
      '',
    ].join('\n');
    const files = parsePatch(patch);
    expect(files.map((file) => [file.path, file.operation, file.binary])).toEqual([
      ['src/new.ts', 'create', false],
      ['old.txt', 'delete', false],
      ['README.md', 'update', false],
      ['to name.txt', 'update', false],
      ['logo.png', 'create', true],
      ['empty.txt', 'create', false],
    ]);
    expect(files[0]).toMatchObject({ oldPath: undefined, newPath: 'src/new.ts' });
    expect(files[0]?.hunks[0]).toEqual({
      header: '@@ -0,0 +1,2 @@',
      oldStart: 0,
      oldLines: 0,
      newStart: 1,
      newLines: 2,
      addedLines: 2,
      removedLines: 0,
    });
    expect(files[1]).toMatchObject({ oldPath: 'old.txt', newPath: undefined });
    expect(files[2]?.hunks[0]).toMatchObject({ oldLines: 3, newLines: 3, addedLines: 1, removedLines: 1 });
    expect(files[3]).toMatchObject({ oldPath: 'from name.txt', newPath: 'to name.txt', hunks: [] });
  });

  it('parses plain diff -u output with timestamps, and quoted git paths', () => {
    const plain =
      '--- src/a.c\t2024-01-01 00:00:00\n+++ src/a.c\t2024-01-02 00:00:00\n@@ -1 +1,2 @@\n a\n+b\n';
    expect(parsePatch(plain)).toEqual([
      {
        oldPath: 'src/a.c',
        newPath: 'src/a.c',
        path: 'src/a.c',
        operation: 'update',
        binary: false,
        nulBytes: false,
        hunks: [
          {
            header: '@@ -1 +1,2 @@',
            oldStart: 1,
            oldLines: 1,
            newStart: 1,
            newLines: 2,
            addedLines: 1,
            removedLines: 0,
          },
        ],
      },
    ]);
    const quoted =
      'diff --git "a/\\303\\244.txt" "b/\\303\\244.txt"\n--- "a/\\303\\244.txt"\n+++ "b/\\303\\244.txt"\n@@ -1 +1 @@\n-a\n+b\n';
    expect(parsePatch(quoted)[0]?.path).toBe('ä.txt');
  });

  it('recognizes "Binary files … differ"', () => {
    const patch = 'diff --git a/x.bin b/x.bin\nindex 1..2 100644\nBinary files a/x.bin and b/x.bin differ\n';
    expect(parsePatch(patch)).toMatchObject([
      { path: 'x.bin', operation: 'update', binary: true, hunks: [] },
    ]);
  });
});
