import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { HyperionError } from '@hyperion/schema';
import { changeRequest, createQueueFixture, type QueueFixture } from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A patch appending `line` to a file whose content is `lines` (one per element). */
function appendPatch(path: string, lines: string[], line: string): string {
  const last = lines.length;
  return [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${last},1 +${last},2 @@`,
    ` ${lines[last - 1]}`,
    `+${line}`,
    '',
  ].join('\n');
}

/** Submits `count` changes that each append a line to notes.txt on top of the one before. */
async function submitStack(count: number, lineFor: (index: number) => string = (index) => `line ${index}`) {
  const lines = ['start'];
  const ids: string[] = [];
  for (let index = 1; index <= count; index += 1) {
    const line = lineFor(index);
    const entry = await fixture!.queue.submitChecked(
      changeRequest(`T-${index}`, 'notes.txt', appendPatch('notes.txt', lines, line)),
    );
    ids.push(entry.id);
    lines.push(line);
  }
  return { ids, lines };
}

function readNotes(): string {
  return readFileSync(join(fixture!.temporary.root, 'notes.txt'), 'utf8');
}

describe('stacked changes', () => {
  it('accepts changes made on top of each other before any lands, and lands them in submission order', async () => {
    fixture = await createQueueFixture({ files: { 'notes.txt': 'start\n' } });
    const { ids, lines } = await submitStack(4);
    const entries = await Promise.all(ids.map((id) => fixture!.store.requireEntry(id)));
    expect(entries.map((entry) => entry.depends_on)).toEqual([
      [],
      [ids[0]],
      ids.slice(0, 2),
      ids.slice(0, 3),
    ]);
    expect(await fixture.queue.runWorkers({ mode: 'drain', workers: 3 })).toEqual({ landed: 4 });
    expect(readNotes()).toBe(`${lines.join('\n')}\n`);
    const landingOrder = (await fixture.store.listEvents())
      .filter((event) => event.type === 'entry:landed')
      .map((event) => event.entry_id);
    expect(landingOrder).toEqual(ids);
  });

  it('refuses a patch that applies neither on the branch nor on the entries ahead, naming them, and stores nothing', async () => {
    fixture = await createQueueFixture({ files: { 'notes.txt': 'start\n' } });
    const { ids } = await submitStack(1);
    const stale = appendPatch('notes.txt', ['start', 'something else'], 'more');
    const attempt = fixture.queue.submitChecked(changeRequest('T-stale', 'notes.txt', stale));
    await expect(attempt).rejects.toThrowError(
      expect.objectContaining({
        code: 'patch_does_not_apply',
        message: expect.stringContaining(`entries queued ahead on its files (${ids[0]})`) as string,
      }) as HyperionError,
    );
    expect(await fixture.store.listEntries()).toHaveLength(1);
  });

  it('refuses a base commit that is not in the repository, naming the field', async () => {
    fixture = await createQueueFixture({ files: { 'notes.txt': 'start\n' } });
    const change = changeRequest('T-1', 'notes.txt', appendPatch('notes.txt', ['start'], 'x'), {
      base_commit: '0123456789abcdef0123456789abcdef01234567',
    });
    await expect(fixture.queue.submitChecked(change)).rejects.toThrowError(
      expect.objectContaining({
        code: 'invalid_input',
        message: expect.stringMatching(/^base_commit: no commit 0123456789abcdef/) as string,
      }) as HyperionError,
    );
    expect(await fixture.store.listEntries()).toHaveLength(0);
  });

  it('conflicts the entries stacked on one that was quarantined, with a report naming it, instead of landing them blindly', async () => {
    fixture = await createQueueFixture({
      files: { 'notes.txt': 'start\n' },
      config: { checks: [{ name: 'no-broken', command: '! grep -q BROKEN notes.txt' }] },
    });
    const { ids } = await submitStack(3, (index) => (index === 1 ? 'BROKEN' : `line ${index}`));
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({
      retry_scheduled: 2,
      quarantined: 1,
      conflicted: 2,
    });
    const [first, second, third] = await Promise.all(ids.map((id) => fixture!.store.requireEntry(id)));
    expect(first?.state).toBe('quarantined');
    expect(second).toMatchObject({ state: 'conflicted' });
    expect(second?.last_error).toContain(
      `stacked on ${ids[0]} (quarantined), which will not stay on the branch`,
    );
    // The third was stacked on both: the second's conflict is its reason too.
    expect(third?.state).toBe('conflicted');
    const report = (await fixture.store.listEvents({ entryId: ids[1] })).find(
      (event) => event.type === 'entry:conflicted',
    )?.data['report'] as { dependencies: unknown[] };
    expect(report.dependencies).toEqual([
      {
        id: ids[0],
        state: 'quarantined',
        reason: expect.stringContaining("check 'no-broken' failed") as string,
      },
    ]);
    expect(readNotes()).toBe('start\n');
  });

  it('drains instead of waiting forever when the only waiting entry is stacked on one awaiting approval', async () => {
    fixture = await createQueueFixture({
      files: { 'notes.txt': 'start\n' },
      config: { policy: { risk_paths: ['notes.txt'] } },
    });
    const { ids } = await submitStack(2);
    expect(
      (await Promise.all(ids.map((id) => fixture!.store.requireEntry(id)))).map((entry) => entry.state),
    ).toEqual(['awaiting_approval', 'awaiting_approval']);
    await fixture.queue.approve(ids[1]!, { by: 'alice' });
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({});
    expect(await fixture.store.requireEntry(ids[1]!)).toMatchObject({
      state: 'queued',
      depends_on: [ids[0]],
    });
    await fixture.queue.approve(ids[0]!, { by: 'alice' });
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 2 });
  });

  it('accepts a change that applies on the tip even when an entry ahead on its file cannot be projected', async () => {
    fixture = await createQueueFixture({ files: { 'notes.txt': 'start\n', 'other.txt': 'o\n' } });
    const { ids } = await submitStack(1);
    // A person rewrites the file by hand: the queued entry no longer applies in turn.
    writeFileSync(join(fixture.temporary.root, 'notes.txt'), 'begin\n');
    await runGit(['-c', 'user.name=p', '-c', 'user.email=p@p', 'commit', '--quiet', '-am', 'by hand'], {
      cwd: fixture.temporary.root,
    });
    const next = await fixture.queue.submitChecked(
      changeRequest('T-next', 'notes.txt', appendPatch('notes.txt', ['begin'], 'line 2')),
    );
    expect(next.depends_on).toEqual([]);
    expect((await fixture.store.requireEntry(ids[0]!)).state).toBe('queued');
  });

  it('conflicts a waiting entry stacked on a change that is rolled back, and the revert lands', async () => {
    fixture = await createQueueFixture({ files: { 'notes.txt': 'start\n' } });
    const { ids } = await submitStack(2);
    // Only the first lands; the second, stacked on it, is still waiting when the first is undone.
    expect(await fixture.queue.runWorkers({ mode: 'once' })).toEqual({ landed: 1 });
    expect(await fixture.store.requireEntry(ids[1]!)).toMatchObject({
      state: 'queued',
      depends_on: [ids[0]],
    });
    const result = await fixture.queue.rollback(ids[0]!, { by: 'alice' });
    expect(result.conflicted.map((entry) => entry.id)).toEqual([ids[1]]);
    expect((await fixture.store.requireEntry(ids[1]!)).last_error).toBe(
      `stacked on ${ids[0]}, which alice is rolling back; this patch was made on top of it and is not applied without it`,
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect((await fixture.store.requireEntry(ids[0]!)).state).toBe('rolled_back');
    expect(readNotes()).toBe('start\n');
  });

  it('conflicts an entry stacked on a change that is being rolled back even when it was running at the rollback', async () => {
    let now = Date.now();
    fixture = await createQueueFixture({
      files: { 'notes.txt': 'start\n' },
      clock: () => now,
      config: { queue: { lease_ms: 1_000 } },
    });
    const { ids } = await submitStack(2);
    expect(await fixture.queue.runWorkers({ mode: 'once' })).toEqual({ landed: 1 });
    // The stacked entry is running (a worker that then dies) while the first is rolled back.
    expect((await fixture.store.leaseNext('doomed-worker', 1_000))?.id).toBe(ids[1]);
    const result = await fixture.queue.rollback(ids[0]!, { by: 'alice' });
    expect(result.conflicted).toEqual([]);
    now += 1_001;
    expect(await fixture.queue.runWorkers({ mode: 'drain', workers: 1 })).toEqual({
      conflicted: 1,
      landed: 1,
    });
    expect((await fixture.store.requireEntry(ids[1]!)).last_error).toContain(
      `stacked on ${ids[0]} (being rolled back)`,
    );
    expect((await fixture.store.requireEntry(ids[0]!)).state).toBe('rolled_back');
    expect(readNotes()).toBe('start\n');
  });
});
