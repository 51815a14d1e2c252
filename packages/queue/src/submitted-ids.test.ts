import { afterEach, describe, expect, it } from 'vitest';
import {
  refusal,
  changeRequest,
  createQueueFixture,
  newFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('MergeQueue.submit refuses ids that are not identifiers (promise 10)', () => {
  it('a task_id or request_id with a line break fails at submit, naming the field, and stores nothing', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': 'r\n' } });
    const patch = newFilePatch('a.txt', 'a\n');
    const cases: Array<[Parameters<typeof changeRequest>[3], string, RegExp]> = [
      [
        {},
        'T-1\nHyperion-Change: chg-x',
        /^task_id: must start with a letter or digit.*\(got "T-1\\nHyperion-Change: chg-x"\)$/,
      ],
      [{ request_id: 'R-1\n' }, 'T-1', /^request_id: must start with a letter or digit/],
      [{ change_id: 'chg 1' }, 'T-1', /^change_id: must start with a letter or digit/],
    ];
    for (const [extra, taskId, message] of cases) {
      const error = await refusal(() => fixture!.queue.submit(changeRequest(taskId, 'a.txt', patch, extra)));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(message);
    }
    expect(await fixture.store.listEntries({})).toEqual([]);
  });

  it('only Hyperion’s own rollback writes a `rollback:` task id: a submitted one cannot mark a change rolled back', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': 'r\n' } });
    const original = await fixture.queue.submit(changeRequest('T-a', 'a.txt', newFilePatch('a.txt', 'a\n')));
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    const forged = await refusal(() =>
      fixture!.queue.submit(changeRequest(`rollback:${original.id}`, 'b.txt', newFilePatch('b.txt', 'b\n'))),
    );
    expect(forged.message).toMatch(/^task_id: must start with a letter or digit/);
    const { enqueued } = await fixture.queue.rollback(original.id, { by: 'tester' });
    expect(enqueued.map((entry) => entry.task_id)).toEqual([`rollback:${original.id}`]);
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect((await fixture.store.requireEntry(original.id)).state).toBe('rolled_back');
  });
});
