import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HyperionStore } from '@hyperion/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDashboard } from './read-model.js';
import { createEventFeed } from './read-model/event-feed.js';
import { sampleEntry } from './testing/sample-entry.js';

const START = Date.parse('2025-01-01T12:00:00.000Z');
const COMMIT = 'a'.repeat(40);

describe('readDashboard', () => {
  let directory: string;
  let store: HyperionStore;
  let clock: number;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-tui-'));
    clock = START;
    store = HyperionStore.open(join(directory, '.hyperion', 'hyperion.db'), {
      clock: () => clock,
      create: true,
    });
  });

  afterEach(() => {
    store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function land(id: string, worker: string): void {
    store.transition(id, {
      from: 'running',
      to: 'landed',
      type: 'entry:landed',
      worker,
      data: { commit: COMMIT },
      set: { landed_commit: COMMIT },
    });
  }

  it('tells the user to submit a request when the queue is empty', () => {
    const model = readDashboard(store);
    expect(model.entries).toEqual([]);
    expect(model.workers).toEqual([]);
    expect(model.metrics.successRate).toBeNull();
    expect(model.metrics.latencyMedianMs).toBeNull();
    expect(model.guidance).toEqual(['queue is empty: hyperion request <file>']);
  });

  it('lists active entries first, then the latest terminal ones', () => {
    store.enqueue(sampleEntry('done'));
    store.leaseNext('worker-1', 60_000);
    land('done', 'worker-1');
    store.enqueue(sampleEntry('waiting'));
    store.enqueue(sampleEntry('risky', { state: 'awaiting_approval' }));
    const model = readDashboard(store);
    expect(model.entries.map((entry) => [entry.id, entry.state])).toEqual([
      ['waiting', 'queued'],
      ['risky', 'awaiting_approval'],
      ['done', 'landed'],
    ]);
    expect(model.counts).toMatchObject({ queued: 1, awaiting_approval: 1, landed: 1, running: 0 });
    expect(model.guidance).toContain('1 entry awaits approval: hyperion approve risky');
    expect(model.guidance).toContain('1 entry queued and no worker holds a lease: hyperion run');
  });

  it('caps the terminal entries, newest first', () => {
    for (const id of ['one', 'two', 'three']) {
      store.enqueue(sampleEntry(id));
      store.leaseNext('worker-1', 60_000);
      land(id, 'worker-1');
    }
    const model = readDashboard(store, { terminalLimit: 2 });
    expect(model.entries.map((entry) => entry.id)).toEqual(['three', 'two']);
  });

  it('derives busy, stalled and idle workers from leases and events', () => {
    store.enqueue(sampleEntry('first'));
    store.enqueue(sampleEntry('second'));
    store.enqueue(sampleEntry('third'));
    store.leaseNext('worker-a', 60_000);
    store.leaseNext('worker-b', 1_000);
    store.leaseNext('worker-c', 60_000);
    clock += 500;
    land('third', 'worker-c');
    clock += 4_500;
    const model = readDashboard(store);
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
    expect(model.guidance.some((line) => line.startsWith('1 lease expired (worker-b)'))).toBe(true);
  });

  it('computes throughput, success rate and latency percentiles from events', () => {
    const latencies = [1_000, 2_000, 3_000, 4_000, 10_000];
    for (const [index, latency] of latencies.entries()) {
      const id = `landed-${index}`;
      store.enqueue(sampleEntry(id));
      store.leaseNext('worker-1', 600_000);
      clock += latency;
      land(id, 'worker-1');
    }
    store.enqueue(sampleEntry('bad'));
    store.leaseNext('worker-1', 600_000);
    store.transition('bad', {
      from: 'running',
      to: 'conflicted',
      type: 'entry:conflicted',
      data: { reason: 'patch does not apply' },
    });
    const model = readDashboard(store, { now: clock + 30 * 60_000 });
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
    expect(readDashboard(store).metrics.landedPerMinuteLast10).toBe(0.5);
  });

  it('raises alerts and guidance for quarantines, conflicts, held landings and failed checks', () => {
    store.enqueue(sampleEntry('flaky'));
    store.enqueue(sampleEntry('broken'));
    store.leaseNext('worker-1', 60_000);
    store.leaseNext('worker-2', 60_000);
    store.recordEvent('flaky', 'check:failed', { name: 'test', exit_code: 1 }, 'worker-1');
    store.transition('flaky', {
      from: 'running',
      to: 'queued',
      type: 'entry:landing_held',
      worker: 'worker-1',
      data: { reason: 'target moved' },
    });
    store.transition('broken', {
      from: 'running',
      to: 'quarantined',
      type: 'entry:quarantined',
      worker: 'worker-2',
      data: { reason: 'checks failed 3 times' },
    });
    const model = readDashboard(store);
    expect(model.alerts.map((alert) => [alert.severity, alert.entryId, alert.message])).toEqual([
      ['error', 'broken', 'quarantined: checks failed 3 times'],
      ['warning', 'flaky', 'landing held: target moved'],
      ['warning', 'flaky', 'check test exited with 1'],
    ]);
    expect(model.metrics.recentCheckFailures).toBe(1);
    expect(model.guidance).toContain('entry broken quarantined: hyperion queue show broken');
    const later = readDashboard(store, { now: clock + 31 * 60_000 });
    expect(later.alerts).toEqual([]);
  });

  it('summarizes the newest requests with their outcomes', () => {
    store.insertRequest({ id: 'request-old', summary: 'old work', status: 'failed', body: {} });
    store.updateRequest('request-old', 'failed', 'missing acceptance criteria');
    clock += 1_000;
    store.insertRequest({ id: 'request-new', summary: 'new work', status: 'enqueued', body: {} });
    for (const task of ['a', 'b']) {
      store.insertAssignment({
        task_id: `task-${task}`,
        request_id: 'request-new',
        summary: task,
        status: 'submitted',
        body: {},
      });
    }
    store.enqueue(sampleEntry('a', { request_id: 'request-new', task_id: 'task-a' }));
    store.enqueue(sampleEntry('b', { request_id: 'request-new', task_id: 'task-b' }));
    store.leaseNext('worker-1', 60_000);
    land('a', 'worker-1');
    const model = readDashboard(store);
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
      'request request-old failed (missing acceptance criteria): fix it, then hyperion request <file>',
    );
  });

  it('gives the same model from an incremental event feed as from the whole log', () => {
    const feed = createEventFeed(store);
    store.enqueue(sampleEntry('one'));
    expect(readDashboard(store, { events: feed.read() })).toEqual(readDashboard(store));
    store.leaseNext('worker-1', 60_000);
    land('one', 'worker-1');
    store.enqueue(sampleEntry('two'));
    expect(readDashboard(store, { events: feed.read() })).toEqual(readDashboard(store));
    expect(feed.read()).toHaveLength(4);
  });
});
