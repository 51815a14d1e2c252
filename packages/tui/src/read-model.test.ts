import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@hyperion/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDashboard } from './read-model.js';
import { createEventFeed } from './read-model/event-feed.js';
import { sampleEntry } from './testing/sample-entry.js';

const START = Date.parse('2025-01-01T12:00:00.000Z');
const COMMIT = 'a'.repeat(40);

describe('readDashboard', () => {
  let directory: string;
  let store: SqliteStore;
  let clock: number;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-tui-'));
    clock = START;
    store = SqliteStore.open(join(directory, '.hyperion', 'hyperion.db'), {
      clock: () => clock,
      create: true,
    });
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function land(id: string, worker: string): Promise<void> {
    await store.transition(id, {
      from: 'running',
      to: 'landed',
      type: 'entry:landed',
      worker,
      data: { commit: COMMIT },
      set: { landed_commit: COMMIT },
    });
  }

  it('tells the user to submit a request when the queue is empty', async () => {
    const model = await readDashboard(store);
    expect(model.entries).toEqual([]);
    expect(model.workers).toEqual([]);
    expect(model.metrics.successRate).toBeNull();
    expect(model.metrics.latencyMedianMs).toBeNull();
    expect(model.guidance).toEqual(['queue is empty — submit work with hyperion request <file>']);
    expect(model.agents).toEqual([]);
    expect(model.controls).toEqual({ paused: false, draining: false });
  });

  it('lists entries awaiting approval first, then running, queued, and the latest terminal ones', async () => {
    await store.enqueue(sampleEntry('done'));
    await store.leaseNext('worker-1', 60_000);
    await land('done', 'worker-1');
    await store.enqueue(sampleEntry('waiting'));
    await store.enqueue(sampleEntry('risky', { state: 'awaiting_approval' }));
    const model = await readDashboard(store);
    expect(model.entries.map((entry) => [entry.id, entry.state])).toEqual([
      ['risky', 'awaiting_approval'],
      ['waiting', 'queued'],
      ['done', 'landed'],
    ]);
    expect(model.counts).toMatchObject({ queued: 1, awaiting_approval: 1, landed: 1, running: 0 });
    expect(model.guidance).toContain('1 change awaits approval — a to approve, x to reject, Enter to read');
    expect(model.guidance).toContain('1 change queued and no worker holds a lease — start hyperion run');
    await store.setQueueControls({ paused: true }, 'alice');
    const paused = await readDashboard(store);
    expect(paused.controls.paused).toBe(true);
    expect(paused.guidance[0]).toBe('queue is paused: no new leases — p to resume');
    expect(paused.guidance.some((line) => line.includes('no worker holds a lease'))).toBe(false);
  });

  it('caps the terminal entries, newest first', async () => {
    for (const id of ['one', 'two', 'three']) {
      await store.enqueue(sampleEntry(id));
      await store.leaseNext('worker-1', 60_000);
      await land(id, 'worker-1');
    }
    const model = await readDashboard(store, { terminalLimit: 2 });
    expect(model.entries.map((entry) => entry.id)).toEqual(['three', 'two']);
  });

  it('derives busy, stalled and idle workers from leases and events', async () => {
    await store.enqueue(sampleEntry('first'));
    await store.enqueue(sampleEntry('second'));
    await store.enqueue(sampleEntry('third'));
    await store.leaseNext('worker-a', 60_000);
    await store.leaseNext('worker-b', 1_000);
    await store.leaseNext('worker-c', 60_000);
    clock += 500;
    await land('third', 'worker-c');
    clock += 4_500;
    const model = await readDashboard(store);
    expect(model.workers).toEqual([
      expect.objectContaining({
        name: 'worker-a',
        status: 'busy',
        currentEntryId: 'first',
        lastEventType: 'entry:leased',
      }),
      expect.objectContaining({ name: 'worker-b', status: 'stalled', currentEntryId: 'second' }),
      expect.objectContaining({
        name: 'worker-c',
        status: 'idle',
        currentEntryId: null,
        lastEventType: 'entry:landed',
        idleMs: 4_500,
      }),
    ]);
    expect(model.alerts[0]).toMatchObject({
      severity: 'warning',
      entryId: 'second',
      message: 'lease of worker-b expired 4s ago',
    });
    expect(
      model.guidance.some((line) => line.startsWith('1 lease expired (worker-b): a live worker retakes it')),
    ).toBe(true);
  });

  it('computes throughput, success rate and latency percentiles from events', async () => {
    const latencies = [1_000, 2_000, 3_000, 4_000, 10_000];
    for (const [index, latency] of latencies.entries()) {
      const id = `landed-${index}`;
      await store.enqueue(sampleEntry(id));
      await store.leaseNext('worker-1', 600_000);
      clock += latency;
      await land(id, 'worker-1');
    }
    await store.enqueue(sampleEntry('bad'));
    await store.leaseNext('worker-1', 600_000);
    await store.transition('bad', {
      from: 'running',
      to: 'conflicted',
      type: 'entry:conflicted',
      data: { reason: 'patch does not apply' },
    });
    const model = await readDashboard(store, { now: clock + 30 * 60_000 });
    expect(model.metrics).toMatchObject({
      landedTotal: 5,
      conflictsTotal: 1,
      quarantinedTotal: 0,
      successRate: 5 / 6,
      latencyMedianMs: 3_000,
      latencyP90Ms: 10_000,
      landedPerMinuteLast10: 0,
      landedPerMinuteLast60: 5 / 60,
    });
    expect((await readDashboard(store)).metrics.landedPerMinuteLast10).toBe(0.5);
  });

  it('alerts on entries quarantined or conflicted now, with their reason — not on a check that failed before landing', async () => {
    await store.enqueue(sampleEntry('speculative'));
    await store.enqueue(sampleEntry('broken'));
    await store.enqueue(sampleEntry('clash'));
    await store.enqueue(sampleEntry('retried'));
    await store.leaseNext('worker-1', 60_000);
    await store.leaseNext('worker-2', 60_000);
    await store.leaseNext('worker-3', 60_000);
    await store.leaseNext('worker-4', 60_000);
    // A speculative run on top of a failing predecessor fails, then the entry lands.
    await store.recordEvent('speculative', 'check:failed', { name: 'test', exit_code: 1 }, 'worker-1');
    await land('speculative', 'worker-1');
    await store.transition('broken', {
      from: 'running',
      to: 'quarantined',
      type: 'entry:quarantined',
      worker: 'worker-2',
      data: { reason: 'checks failed 3 times' },
      set: { last_error: 'checks failed 3 times' },
    });
    clock += 1_000;
    await store.transition('clash', {
      from: 'running',
      to: 'conflicted',
      type: 'entry:conflicted',
      worker: 'worker-3',
      data: { reason: 'patch does not apply' },
      set: { last_error: 'patch does not apply' },
    });
    // Quarantined, then sent back by a person: no longer an alert.
    await store.transition('retried', {
      from: 'running',
      to: 'quarantined',
      type: 'entry:quarantined',
      worker: 'worker-4',
      data: { reason: 'flaky' },
    });
    await store.transition('retried', {
      from: 'quarantined',
      to: 'queued',
      type: 'entry:retry_scheduled',
      data: { by: 'carol', manual: true },
    });
    const model = await readDashboard(store);
    expect(model.alerts.map((alert) => [alert.severity, alert.entryId, alert.state, alert.message])).toEqual([
      ['error', 'clash', 'conflicted', 'conflicted: patch does not apply'],
      ['error', 'broken', 'quarantined', 'quarantined: checks failed 3 times'],
    ]);
    expect(model.metrics.recentCheckFailures).toBe(1);
    expect(model.guidance).toContain(
      '2 changes quarantined or conflicted — Enter on an alert shows why, r to retry',
    );
    // They stay alerts however old they get: they wait for a person.
    const later = await readDashboard(store, { now: clock + 31 * 60_000 });
    expect(later.alerts.map((alert) => alert.entryId)).toEqual(['clash', 'broken']);
  });

  it('reads a page of a long queue, never every entry, and counts the rest', async () => {
    await store.transaction(async (transaction) => {
      for (let index = 0; index < 10_000; index += 1) {
        await transaction.enqueue(sampleEntry(`bulk-${String(index).padStart(5, '0')}`));
      }
    });
    let rowsRead = 0;
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'listEntries' || typeof value !== 'function') return value;
        return async (...parameters: unknown[]) => {
          const rows = await (value as (...given: unknown[]) => Promise<unknown[]>).apply(target, parameters);
          rowsRead += rows.length;
          return rows;
        };
      },
    });
    const model = await readDashboard(counting, { pageSize: 50 });
    expect(model.counts.queued).toBe(10_000);
    expect(model.entries).toHaveLength(50);
    expect(model.entries[0]?.id).toBe('bulk-00000');
    expect(rowsRead).toBeLessThanOrEqual(150);
  });

  it('summarizes the newest requests with their outcomes', async () => {
    await store.insertRequest({ id: 'request-old', summary: 'old work', status: 'failed', body: {} });
    await store.updateRequest('request-old', 'failed', 'missing acceptance criteria');
    clock += 1_000;
    await store.insertRequest({ id: 'request-new', summary: 'new work', status: 'enqueued', body: {} });
    for (const task of ['a', 'b']) {
      await store.insertAssignment({
        task_id: `task-${task}`,
        request_id: 'request-new',
        summary: task,
        status: 'submitted',
        body: {},
      });
    }
    await store.enqueue(sampleEntry('a', { request_id: 'request-new', task_id: 'task-a' }));
    await store.enqueue(sampleEntry('b', { request_id: 'request-new', task_id: 'task-b' }));
    await store.leaseNext('worker-1', 60_000);
    await land('a', 'worker-1');
    const model = await readDashboard(store);
    expect(model.requests).toEqual([
      expect.objectContaining({
        id: 'request-new',
        status: 'enqueued',
        assignments: 2,
        outcomes: { landed: 1, pending: 1, failed: 0, other: 0 },
      }),
      expect.objectContaining({
        id: 'request-old',
        status: 'failed',
        assignments: 0,
        error: 'missing acceptance criteria',
      }),
    ]);
    expect(model.guidance).toContain(
      'request request-old failed (missing acceptance criteria) — fix it, then hyperion request <file>',
    );
  });

  it('gives the same model from an incremental event feed as from the whole log', async () => {
    const feed = createEventFeed(store);
    await store.enqueue(sampleEntry('one'));
    expect(await readDashboard(store, { events: await feed.read() })).toEqual(await readDashboard(store));
    await store.leaseNext('worker-1', 60_000);
    await land('one', 'worker-1');
    await store.enqueue(sampleEntry('two'));
    expect(await readDashboard(store, { events: await feed.read() })).toEqual(await readDashboard(store));
    expect(await feed.read()).toHaveLength(4);
  });
});
