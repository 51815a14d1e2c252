import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { compareWithLive } from '@hyperion/store';
import { retryEntry } from './retry-entry.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;
let flagDirectory: string | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
  if (flagDirectory !== undefined) rmSync(flagDirectory, { recursive: true, force: true });
  flagDirectory = undefined;
});

describe('retryEntry', () => {
  it('sends a quarantined entry back with fresh attempts, records who, and it lands once the cause is fixed', async () => {
    flagDirectory = mkdtempSync(join(tmpdir(), 'hyperion-retry-'));
    const flag = join(flagDirectory, 'fixed');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      config: {
        checks: [{ name: 'flag', command: `test -f ${JSON.stringify(flag)}` }],
        queue: { max_attempts: 1 },
      },
    });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ quarantined: 1 });
    const quarantined = await fixture.store.requireEntry(entry.id);
    expect(quarantined.attempts).toBe(1);

    writeFileSync(flag, 'ok\n');
    const retried = await retryEntry(fixture.store, entry.id, { by: 'carol', note: 'flag restored' });
    expect(retried).toMatchObject({ state: 'queued', attempts: 0, last_error: null, lease_owner: null });
    const events = await fixture.store.listEvents({ entryId: entry.id });
    const retry = events.at(-1);
    expect(retry).toMatchObject({
      type: 'entry:retry_scheduled',
      from_state: 'quarantined',
      to_state: 'queued',
    });
    expect(retry?.data).toMatchObject({
      by: 'carol',
      note: 'flag restored',
      manual: true,
      from: 'quarantined',
      previous_attempts: 1,
      previous_error: quarantined.last_error,
    });

    // The event log alone rebuilds the retried entry (attempts and error reset).
    expect(await compareWithLive(fixture.store)).toEqual([]);

    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('landed');
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });

  it('refuses an entry the conflict tiers already replaced, naming the replacement, and changes nothing', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'one\n' } });
    const first = await fixture.queue.submit(
      changeRequest('T-A', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    const clash = await fixture.queue.submit(
      changeRequest('T-B', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'three\n')),
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1, conflicted: 1 });
    expect((await fixture.store.requireEntry(first.id)).state).toBe('landed');
    const { queue, store } = fixture;
    // What a re-dispatch submits: the same task again, on the new tip, naming the entry it replaces.
    const replacement = await store.transaction((transaction) =>
      queue.submitInTransaction(
        transaction,
        changeRequest('T-B', 'a.txt', replaceFilePatch('a.txt', 'two\n', 'three\n')),
        { eventData: { source: 'redispatch', redispatch_of: clash.id } },
      ),
    );
    const before = await store.listEvents({ entryId: clash.id });
    const refused = await retryEntry(store, clash.id, { by: 'carol' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HyperionError);
    expect(refused).toMatchObject({
      code: 'invalid_state',
      details: { id: clash.id, replaced_by: replacement.id },
    });
    expect((await store.requireEntry(clash.id)).state).toBe('conflicted');
    expect(await store.listEvents({ entryId: clash.id })).toEqual(before);
    expect(await queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect((await store.requireEntry(replacement.id)).state).toBe('landed');
  });

  it('refuses a failed resolution once the tiers moved on from it to a re-dispatch of the same entry', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'one\n' } });
    const { queue, store } = fixture;
    await queue.submit(changeRequest('T-A', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')));
    const clash = await queue.submit(
      changeRequest('T-B', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'three\n')),
    );
    await queue.runWorkers({ mode: 'drain' });
    const submitFor = (patch: string, eventData: Record<string, unknown>) =>
      store.transaction((transaction) =>
        queue.submitInTransaction(transaction, changeRequest('T-B', 'a.txt', patch), { eventData }),
      );
    // A resolution that does not hold (here: it no longer applies), then a re-dispatch of the same entry.
    const resolution = await submitFor(replaceFilePatch('a.txt', 'one\n', 'four\n'), {
      source: 'conflict_resolver',
      resolution_of: clash.id,
    });
    expect(await queue.runWorkers({ mode: 'drain' })).toEqual({ conflicted: 1 });
    expect((await store.requireEntry(resolution.id)).state).toBe('conflicted');
    const redispatch = await submitFor(replaceFilePatch('a.txt', 'two\n', 'three\n'), {
      source: 'redispatch',
      redispatch_of: clash.id,
    });
    const refused = await retryEntry(store, resolution.id, { by: 'carol' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'invalid_state',
      details: { id: resolution.id, replaced_by: redispatch.id },
    });
    expect((await store.requireEntry(resolution.id)).state).toBe('conflicted');
    expect(await queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
  });

  it('refuses entries that are not quarantined or conflicted, naming the state, and changes nothing', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'one\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-2', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    const before = await fixture.store.listEvents({ entryId: entry.id });
    const refused = await retryEntry(fixture.store, entry.id, { by: 'carol' }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(HyperionError);
    expect(refused).toMatchObject({ code: 'invalid_state' });
    expect((refused as Error).message).toContain('it is queued');
    expect(await fixture.store.listEvents({ entryId: entry.id })).toEqual(before);
    const missing = await retryEntry(fixture.store, 'no-such-entry', { by: 'carol' }).catch(
      (error: unknown) => error,
    );
    expect(missing).toMatchObject({ code: 'not_found' });
  });
});
