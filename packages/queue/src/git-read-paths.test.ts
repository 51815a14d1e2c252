import { afterEach, describe, expect, it } from 'vitest';
import { observeGitCommands, runGit } from '@hyperion/git';
import type { ChangeRequest } from '@hyperion/schema';
import { refusal, createQueueFixture, replaceFilePatch, type QueueFixture } from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  observeGitCommands(undefined);
  await fixture?.cleanup();
  fixture = undefined;
});

/**
 * A patch of `src/a.txt` written without the a/ b/ prefixes (`git diff --no-prefix`). Our parser
 * reads `src/a.txt`; `git apply` strips one component and writes `a.txt`.
 */
const NO_PREFIX_PATCH = [
  'diff --git src/a.txt src/a.txt',
  '--- src/a.txt',
  '+++ src/a.txt',
  '@@ -1 +1 @@',
  '-before',
  '+after',
  '',
].join('\n');

function update(taskId: string, changes: ChangeRequest['changes']): ChangeRequest {
  return { task_id: taskId, agent: 'test', changes };
}

describe('paths as git reads them', () => {
  it('refuses, in every submit path, a patch git reads as changing another file than it declares', async () => {
    fixture = await createQueueFixture({ files: { 'src/a.txt': 'before\n', 'a.txt': 'before\n' } });
    const { queue, store } = fixture;
    const change = update('T-no-prefix', [
      { path: 'src/a.txt', operation: 'update', patch: NO_PREFIX_PATCH },
    ]);
    const submits = [
      () => queue.submit(change),
      () => queue.submitChecked(change),
      () => store.transaction((transaction) => queue.submitInTransaction(transaction, change)),
    ];
    for (const submit of submits) {
      const error = await refusal(submit);
      expect(error.code).toBe('unsafe_path');
      expect(error.details['field']).toBe('changes[0].patch');
      expect(error.message).toMatch(
        /^changes\[0\]\.patch: git reads this patch as changing "a\.txt", not only 'src\/a\.txt'$/,
      );
    }
    expect(await store.listEntries()).toEqual([]);
    expect(await store.listEvents()).toEqual([]);
    // Nothing reached the branch: a.txt, the file git would have written, is untouched.
    const shown = await runGit(['show', 'main:a.txt'], { cwd: fixture.temporary.root });
    expect(shown.stdout).toBe('before\n');
  });

  it('names the file change at fault when the others are read as declared', async () => {
    fixture = await createQueueFixture({
      files: { 'src/a.txt': 'before\n', 'a.txt': 'before\n', 'b.txt': 'one\n' },
    });
    const change = update('T-second', [
      { path: 'b.txt', operation: 'update', patch: replaceFilePatch('b.txt', 'one\n', 'two\n') },
      { path: 'src/a.txt', operation: 'update', patch: NO_PREFIX_PATCH },
    ]);
    const error = await refusal(() => fixture!.queue.submitChecked(change));
    expect(error.code).toBe('unsafe_path');
    expect(error.details['field']).toBe('changes[1].patch');
    expect(await fixture.store.listEntries()).toEqual([]);
  });

  it('accepts and lands ordinary patches, one git run for the whole change', async () => {
    fixture = await createQueueFixture({ files: { 'src/a.txt': 'before\n', 'b.txt': 'one\n' } });
    const numstatRuns: string[][] = [];
    observeGitCommands(({ args }) => {
      if (args.includes('--numstat')) numstatRuns.push([...args]);
    });
    const entry = await fixture.queue.submitChecked(
      update('T-plain', [
        { path: 'b.txt', operation: 'update', patch: replaceFilePatch('b.txt', 'one\n', 'two\n') },
        {
          path: 'src/a.txt',
          operation: 'update',
          patch: replaceFilePatch('src/a.txt', 'before\n', 'after\n'),
        },
      ]),
    );
    observeGitCommands(undefined);
    expect(numstatRuns).toEqual([['apply', '--numstat', '-z', '-']]);
    expect(entry.paths).toEqual(['b.txt', 'src/a.txt']);
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    const shown = await runGit(['show', 'main:src/a.txt'], { cwd: fixture.temporary.root });
    expect(shown.stdout).toBe('after\n');
  });
});
