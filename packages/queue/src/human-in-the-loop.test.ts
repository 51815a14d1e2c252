import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import {
  changeRequest,
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

async function eventTypes(id: string): Promise<string[]> {
  return (await fixture!.store.listEvents({ entryId: id })).map((event) => event.type);
}

describe('risk policy and approvals', () => {
  it('holds a change to a high-risk path until a named person approves it, and records who and when', async () => {
    fixture = await createQueueFixture({ files: { '.github/workflows/ci.yml': 'on: push\n' } });
    const entry = await fixture.queue.submit(
      changeRequest(
        'T-1',
        '.github/workflows/ci.yml',
        replaceFilePatch('.github/workflows/ci.yml', 'on: push\n', 'on: [push]\n'),
      ),
    );
    expect(entry.state).toBe('awaiting_approval');
    expect((await fixture.store.listEvents({ entryId: entry.id }))[0]?.data['risk']).toEqual([
      'touches high-risk paths: .github/workflows/ci.yml',
    ]);
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({});
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('awaiting_approval');
    await fixture.queue.approve(entry.id, { by: 'alice', note: 'looks right' });
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    const approved = (await fixture.store.listEvents({ entryId: entry.id })).find(
      (event) => event.type === 'entry:approved',
    );
    expect(approved?.data).toEqual({ by: 'alice', note: 'looks right' });
    expect(approved?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('holds changes over the line limit and file deletions; a rejection is final and names the reason', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n' },
      config: { policy: { max_changed_lines: 3 } },
    });
    const big = await fixture.queue.submit(
      changeRequest('T-big', 'big.txt', newFilePatch('big.txt', 'one\ntwo\nthree\nfour\n')),
    );
    expect(big.state).toBe('awaiting_approval');
    const deletion = await fixture.queue.submit({
      task_id: 'T-del',
      agent: 'test',
      changes: [
        {
          path: 'a.txt',
          operation: 'delete',
          patch:
            'diff --git a/a.txt b/a.txt\ndeleted file mode 100644\n--- a/a.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n',
        },
      ],
    });
    expect(deletion.state).toBe('awaiting_approval');
    const rejected = await fixture.queue.reject(deletion.id, { by: 'bob', note: 'we still need a.txt' });
    expect(rejected).toMatchObject({ state: 'rejected', last_error: 'rejected by bob: we still need a.txt' });
    await expect(fixture!.queue.approve(deletion.id, { by: 'bob' })).rejects.toThrowError(
      /cannot approve .*: it is rejected/,
    );
  });

  it('cancels and bumps waiting entries, and refuses to cancel a running one', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
    const first = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    const second = await fixture.queue.submit(
      changeRequest('T-b', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'B\n')),
    );
    const bumped = await fixture.queue.bump(second.id, { by: 'carol' });
    expect(bumped.priority).toBe(1);
    expect((await fixture.store.listEntries({ states: ['queued'] })).map((entry) => entry.id)).toEqual([
      second.id,
      first.id,
    ]);
    await fixture.store.leaseNext('some-worker', 60_000);
    await expect(fixture!.queue.cancel(second.id, { by: 'carol' })).rejects.toThrowError(
      /it is running \(leased by some-worker/,
    );
    expect((await fixture.queue.cancel(first.id, { by: 'carol', note: 'not needed' })).state).toBe(
      'cancelled',
    );
    expect(await eventTypes(second.id)).toContain('entry:bumped');
  });
});

describe('queue controls', () => {
  it('pause stops new leases in every process until resume; drain ends the worker loops', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    const other = fixture.openAnotherQueue();
    await fixture.queue.pause('ops');
    expect(await other.runWorkers({ mode: 'once' })).toEqual({});
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('queued');
    await fixture.queue.drain('ops');
    expect(await other.runWorkers({ mode: 'forever' })).toEqual({});
    await fixture.queue.resume('ops');
    expect(await other.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
  });
});

describe('rollback', () => {
  it('reverts every landed change of a request, newest first, through the queue with checks, linking both ways', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      config: { checks: [{ name: 'exists', command: 'test -f a.txt' }] },
    });
    const original = await fixture.temporary.repository.requireBranch('main');
    const first = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n'), { request_id: 'R-1' }),
    );
    const second = await fixture.queue.submit(
      changeRequest('T-b', 'new.txt', newFilePatch('new.txt', 'new\n'), { request_id: 'R-1' }),
    );
    await fixture.queue.runWorkers({ mode: 'drain', workers: 1 });
    const preview = await fixture.queue.rollback('R-1', { by: 'dave', dryRun: true });
    expect(preview.plans.map((plan) => plan.original.id)).toEqual([second.id, first.id]);
    expect(await fixture.store.listEntries({ states: ['queued'] })).toEqual([]);
    const result = await fixture.queue.rollback('R-1', { by: 'dave' });
    expect(result.enqueued.map((entry) => [entry.task_id, entry.priority])).toEqual([
      [`rollback:${second.id}`, 1000],
      [`rollback:${first.id}`, 1000],
    ]);
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 2 });
    const tree = (ref: string) => runGit(['rev-parse', `${ref}^{tree}`], { cwd: fixture!.temporary.root });
    expect((await tree('main')).stdout).toBe((await tree(original)).stdout);
    const rolledBack = await fixture.store.requireEntry(first.id);
    expect(rolledBack.state).toBe('rolled_back');
    const link = (await fixture.store.listEvents({ entryId: first.id })).find(
      (event) => event.type === 'entry:rolled_back',
    );
    expect(link?.data['reverted_by']).toBe(result.enqueued[1]?.id);
    const enqueued = (await fixture.store.listEvents({ entryId: result.enqueued[1]!.id }))[0];
    expect(enqueued?.data['rollback_of']).toBe(first.id);
    expect(readFileSync(join(fixture.temporary.root, 'a.txt'), 'utf8')).toBe('a\n');
  });

  it('quarantines a revert that conflicts with a later change, never forcing it', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n' } });
    const first = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'b\n')),
    );
    await fixture.queue.runWorkers({ mode: 'drain' });
    await fixture.queue.submit(changeRequest('T-2', 'a.txt', replaceFilePatch('a.txt', 'b\n', 'c\n')));
    await fixture.queue.runWorkers({ mode: 'drain' });
    const tip = await fixture.temporary.repository.requireBranch('main');
    const { enqueued } = await fixture.queue.rollback(first.id, { by: 'erin' });
    await fixture.queue.runWorkers({ mode: 'drain' });
    const revert = await fixture.store.requireEntry(enqueued[0]!.id);
    expect(revert.state).toBe('quarantined');
    expect(revert.last_error).toMatch(
      /the revert of .* conflicts with changes that landed after it; it was not forced/,
    );
    expect((await fixture.store.requireEntry(first.id)).state).toBe('landed');
    expect(await fixture.temporary.repository.requireBranch('main')).toBe(tip);
  });

  it('names a target that does not exist', async () => {
    fixture = await createQueueFixture();
    await expect(fixture.queue.rollback('nope', { by: 'x' })).rejects.toThrowError(
      "no change, task or request with id 'nope'",
    );
  });
});
