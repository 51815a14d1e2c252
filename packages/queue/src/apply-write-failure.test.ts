import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { ChangeRequest } from '@hyperion/schema';
import {
  createQueueFixture,
  newFilePatch,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('a patch that git refuses while writing it', () => {
  it('leaves nothing behind for the next entry of the batch and its check', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', d: 'a file, not a directory\n', 'b.txt': 'b\n' },
      config: {
        // Fails if anything of the blocked change is on the files the check sees.
        checks: [{ name: 'nothing-left', command: 'test ! -e new1 && grep -qx a a.txt' }],
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 2, flake_reruns: 0 } },
      },
    });
    // git checks this patch and finds nothing wrong, then writes a.txt and new1 before it fails
    // on d/x ("unable to write file 'd/x' ...: Not a directory").
    const blocked: ChangeRequest = {
      task_id: 'T-blocked',
      agent: 'test',
      changes: [
        { path: 'a.txt', operation: 'update', patch: replaceFilePatch('a.txt', 'a\n', 'A\n') },
        { path: 'new1', operation: 'create', patch: newFilePatch('new1', 'new\n') },
        { path: 'd/x', operation: 'create', patch: newFilePatch('d/x', 'x\n') },
      ],
    };
    const first = await fixture.queue.submit(blocked);
    const second = await fixture.queue.submit({
      task_id: 'T-next',
      agent: 'test',
      changes: [{ path: 'b.txt', operation: 'update', patch: replaceFilePatch('b.txt', 'b\n', 'B\n') }],
    });
    const worker = fixture.queue.createWorker('batcher');
    const outcomes = await worker.processNextCandidate();
    await worker.dispose();
    expect(outcomes).toEqual(['conflicted', 'landed']);
    const conflicted = await fixture.store.requireEntry(first.id);
    expect(conflicted.last_error).toMatch(/unable to write file 'd\/x'/);
    const landed = await fixture.store.requireEntry(second.id);
    const root = fixture.temporary.root;
    const files = await runGit(['ls-tree', '-r', '--name-only', 'main'], { cwd: root });
    expect(files.stdout.trim().split('\n').sort()).toEqual(['a.txt', 'b.txt', 'd']);
    const changed = await runGit(
      ['diff-tree', '--no-commit-id', '--name-only', '-r', landed.landed_commit!],
      {
        cwd: root,
      },
    );
    expect(changed.stdout.trim()).toBe('b.txt');
  });
});
