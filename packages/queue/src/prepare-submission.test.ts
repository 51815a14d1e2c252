import { describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { prepareSubmission } from './prepare-submission.js';
import { changeRequest, newFilePatch, replaceFilePatch, testConfig } from './testing/queue-fixture.js';

const config = testConfig({
  checks: [{ name: 'test', command: 'npm test' }],
  queue: { max_patch_bytes: 2_000 },
});

function rejection(run: () => unknown): HyperionError {
  try {
    run();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('prepareSubmission', () => {
  it('accepts a valid change and records every path and the combined patch hash', () => {
    const entry = prepareSubmission(changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'b\n')), {
      config,
    });
    expect(entry.paths).toEqual(['a.txt']);
    expect(entry.patch_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.checks).toEqual(['test']);
  });

  it('refuses a hunk header without line ranges, naming the field and the line', () => {
    const patch = '--- a/README.md\n+++ b/README.md\n@@\n-old\n+new\n';
    const error = rejection(() => prepareSubmission(changeRequest('T-1', 'README.md', patch), { config }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^changes\[0\]\.patch: .*line 3.*no line ranges/);
  });

  it('refuses a patch that edits a different file than the change names', () => {
    const error = rejection(() =>
      prepareSubmission(changeRequest('T-1', 'a.txt', replaceFilePatch('other.txt', 'a\n', 'b\n')), {
        config,
      }),
    );
    expect(error.message).toMatch(/edits 'other.txt' but the change names 'a.txt'/);
  });

  it('refuses a check command chosen by the submission', () => {
    const error = rejection(() =>
      prepareSubmission(
        changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'b\n'), { checks: ['rm -rf /'] }),
        { config },
      ),
    );
    expect(error.message).toMatch(/^checks\[0\]: 'rm -rf \/' is not a configured check/);
  });

  it('accepts configured checks by name or command', () => {
    const entry = prepareSubmission(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'b\n'), {
        checks: ['test', 'npm test'],
      }),
      { config },
    );
    expect(entry.checks).toEqual(['test']);
  });

  it('refuses a patch over the size limit', () => {
    const big = `${'x'.repeat(3_000)}\n`;
    const error = rejection(() =>
      prepareSubmission(changeRequest('T-1', 'big.txt', newFilePatch('big.txt', big)), { config }),
    );
    expect(error.message).toMatch(/over the limit of 2000 \(queue\.max_patch_bytes\)/);
  });

  it('refuses a patch hash that does not match', () => {
    const patch = replaceFilePatch('a.txt', 'a\n', 'b\n');
    const error = rejection(() =>
      prepareSubmission(
        {
          task_id: 'T',
          agent: 'x',
          changes: [{ path: 'a.txt', operation: 'update', patch, patch_hash: '0'.repeat(64) }],
        },
        { config },
      ),
    );
    expect(error.message).toBe('changes[0].patch_hash: does not match the sha256 of the patch');
  });

  it('refuses a declared operation that contradicts the patch', () => {
    const error = rejection(() =>
      prepareSubmission(
        {
          task_id: 'T',
          agent: 'x',
          changes: [{ path: 'n.txt', operation: 'update', patch: newFilePatch('n.txt', 'x\n') }],
        },
        { config },
      ),
    );
    expect(error.message).toMatch(/^changes\[0\]\.operation: is 'update' but the patch is a create/);
  });

  it('refuses binary patches unless configured', () => {
    const patch =
      'diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..1111111\nGIT binary patch\nliteral 3\nKcmZ?wbN~PV\n\nliteral 0\nHcmV?d00001\n\n';
    const error = rejection(() =>
      prepareSubmission(
        { task_id: 'T', agent: 'x', changes: [{ path: 'img.png', operation: 'create', patch }] },
        { config },
      ),
    );
    expect(error.message).toMatch(/binary patch; set queue\.allow_binary/);
  });
});

describe('prepareSubmission and hostile paths in patch headers', () => {
  it('refuses a C-quoted escape sequence in a header as an unsafe path, quoted visibly', () => {
    const patch =
      'diff --git "a/src/\\033[2Kok.js" "b/src/\\033[2Kok.js"\nnew file mode 100644\n--- /dev/null\n+++ "b/src/\\033[2Kok.js"\n@@ -0,0 +1 @@\n+x\n';
    const error = rejection(() =>
      prepareSubmission(
        { task_id: 'T', agent: 'x', changes: [{ path: 'src/ok.js', operation: 'create', patch }] },
        { config },
      ),
    );
    expect(error.code).toBe('unsafe_path');
    expect(error.message).toBe(
      "changes[0].patch: line 1: unsafe path 'src/\\x1b[2Kok.js': contains the control character U+001B at offset 4",
    );
  });
});
