import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { HyperionError } from '@hyperion/schema';
import { compareWithLive } from '@hyperion/store';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

const branchNotFound = expect.objectContaining({ code: 'branch_not_found' }) as HyperionError;

/** A worker that leases `id` and dies: its lease is left to expire on the fake clock. */
async function dieHolding(
  id: string,
  clock: { now: number },
  leaseMs: number,
  worker: string,
): Promise<void> {
  expect((await fixture!.store.leaseNext(worker, leaseMs))?.id).toBe(id);
  clock.now += leaseMs + 1;
}

describe('a crash is never the change’s fault (promise 9)', () => {
  it('lands a change whose only attempt was interrupted by dying workers again and again', async () => {
    const clock = { now: Date.now() };
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      clock: () => clock.now,
      config: { queue: { max_attempts: 1, lease_ms: 1_000 } },
    });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    for (let death = 1; death <= 4; death += 1) await dieHolding(entry.id, clock, 1_000, `dead-${death}`);
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({
      state: 'landed',
      attempts: 1,
      max_attempts: 1,
      lease_expiries: 4,
    });
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });

  it('stops a change that kills its worker every time at its own limit, with that reason', async () => {
    const clock = { now: Date.now() };
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      clock: () => clock.now,
      config: { queue: { max_attempts: 3, lease_ms: 1_000, max_lease_expiries: 3 } },
    });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    for (let death = 1; death <= 3; death += 1) await dieHolding(entry.id, clock, 1_000, `dead-${death}`);
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ quarantined: 1 });
    const stopped = await fixture.store.requireEntry(entry.id);
    expect(stopped).toMatchObject({ state: 'quarantined', attempts: 1, lease_expiries: 3 });
    expect(stopped.last_error).toMatch(
      /^stopped after 3 attempts ended with the worker dying or hanging \(lease expired; queue.max_lease_expiries is 3\)/,
    );
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });
});

describe('a missing target branch is the repository’s problem, not the entries’', () => {
  it('refuses to run workers at once when the target branch does not exist, leasing nothing', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'one\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    await runGit(['branch', '-m', 'main', 'renamed'], { cwd: fixture.temporary.root });
    await expect(fixture.queue.runWorkers({ mode: 'drain' })).rejects.toThrowError(branchNotFound);
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect((await fixture.store.listEvents({ entryId: entry.id })).map((event) => event.type)).toEqual([
      'entry:enqueued',
    ]);
  });

  it('hands the entry back uncharged and stops when the branch is deleted during an attempt', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n', 'b.txt': 'b\n' },
      config: { checks: [{ name: 'delete-branch', command: 'git update-ref -d refs/heads/main' }] },
    });
    const first = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    const second = await fixture.queue.submit(
      changeRequest('T-2', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'B\n')),
    );
    await expect(fixture.queue.runWorkers({ mode: 'drain', workers: 1 })).rejects.toThrowError(
      branchNotFound,
    );
    expect(await fixture.store.requireEntry(first.id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect((await fixture.store.requireEntry(first.id)).last_error).toMatch(
      /target branch 'main' does not exist/,
    );
    expect(await fixture.store.requireEntry(second.id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await fixture.store.countByState()).toEqual({ queued: 2 });
    expect(await compareWithLive(fixture.store)).toEqual([]);
  });
});

describe('a lease renewal that hangs', () => {
  it('aborts the attempt once the lease it renews would have run out, instead of going on without one', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      config: {
        checks: [{ name: 'slow', command: 'sleep 30' }],
        queue: { lease_ms: 1_000, heartbeat_ms: 100 },
      },
    });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    const worker = fixture.queue.createWorker('stuck');
    const outcome = worker.processNext();
    // Once the check runs, a transaction that never ends holds the store: every renewal waits.
    for (let round = 0; round < 800; round += 1) {
      const events = await fixture.store.listEvents({ entryId: entry.id });
      if (events.some((event) => event.type === 'entry:committed')) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    let release!: () => void;
    const held = fixture.store.transaction(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    // Held for longer than the lease: the renewal pending all that while must count as lost.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    release();
    await held;
    // The renewal then succeeds (the lease was never taken by anyone else), yet the attempt stops
    // at once instead of running its 30 s check on a lease that had lapsed.
    const tooLate = new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000));
    await expect(Promise.race([outcome, tooLate])).resolves.toBe('lease_lost');
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('running');
    await worker.dispose();
  }, 30_000);
});
