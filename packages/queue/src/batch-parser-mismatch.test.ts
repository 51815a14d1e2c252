import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { ChangeRequest, HyperionConfigInput } from '@hyperion/schema';
import { prepareSubmission } from './prepare-submission.js';
import {
  createQueueFixture,
  replaceFilePatch,
  testConfig,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

const batchConfig: HyperionConfigInput = {
  checks: [{ name: 'no-D', command: '! grep -qs D d.txt' }],
  queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 2, flake_reruns: 0 } },
};

describe('a batch whose patch git reads otherwise than the parser', () => {
  it('lands nothing of an entry that did not land (a `--no-prefix` creation in a red batch)', async () => {
    fixture = await createQueueFixture({
      files: { 'c.txt': 'c\n', 'd.txt': 'd\n', 'sub/keep.txt': 'k\n' },
      config: batchConfig,
    });
    const first = await fixture.queue.submit({
      task_id: 'T-1',
      agent: 'test',
      changes: [{ path: 'c.txt', operation: 'update', patch: replaceFilePatch('c.txt', 'c\n', 'C\n') }],
    });
    const secondChange: ChangeRequest = {
      task_id: 'T-2',
      agent: 'test',
      changes: [
        { path: 'd.txt', operation: 'update', patch: replaceFilePatch('d.txt', 'd\n', 'D\n') },
        {
          path: 'sub/new.txt',
          operation: 'create',
          // as `git diff --no-prefix` writes a creation
          patch:
            'diff --git sub/new.txt sub/new.txt\nnew file mode 100644\n--- /dev/null\n+++ sub/new.txt\n@@ -0,0 +1 @@\n+new\n',
        },
      ],
    };
    // Submitting this change is refused now (git reads `new.txt`, not `sub/new.txt`: see
    // git-read-paths.test.ts). It is stored as it was before that check existed, so that the
    // worker's own defence is what this test tries: an entry already in a store of an older release.
    const second = await fixture.store.enqueue(
      prepareSubmission(secondChange, { config: testConfig(batchConfig) }),
    );
    expect(second.paths).toEqual(['d.txt', 'sub/new.txt']);
    const worker = fixture.queue.createWorker('batcher');
    const outcomes = await worker.processNextCandidate();
    await worker.dispose();
    const root = fixture.temporary.root;
    const tree = (await runGit(['ls-tree', '-r', '--name-only', 'main'], { cwd: root })).stdout;
    const state2 = (await fixture.store.requireEntry(second.id)).state;
    const landed1 = (await fixture.store.requireEntry(first.id)).landed_commit;
    expect(outcomes[0]).toBe('landed');
    expect(state2).not.toBe('landed');
    // Entry 2 did not land, so nothing of it may be on main; entry 1's commit holds its own file only.
    expect(tree).not.toContain('new.txt');
    const files = (
      await runGit(['diff-tree', '--no-commit-id', '--name-only', '-r', landed1!], { cwd: root })
    ).stdout;
    expect(files.trim().split('\n')).toEqual(['c.txt']);
  });
});
