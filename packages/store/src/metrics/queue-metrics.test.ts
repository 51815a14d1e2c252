import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueEvent, QueueEventType } from '@hyperion/schema';
import { SqliteStore } from '../sqlite-store.js';
import { conformanceEntry as entry, landEntry } from '../testing/conformance-entries.js';
import { QueueMetricsFollower, readQueueMetrics } from './read-queue-metrics.js';

const SECOND = 1_000;
const START = 1_700_000_000_000;

let directory: string;
let now: number;
let store: SqliteStore;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-metrics-'));
  now = START;
  store = SqliteStore.open(join(directory, 'hyperion.db'), { clock: () => now, create: true });
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function lease(id: string): Promise<void> {
  const leased = await store.leaseNext(`w-${id}`, 600_000);
  expect(leased?.id).toBe(id);
}

async function finish(id: string, to: 'quarantined' | 'conflicted'): Promise<void> {
  await store.transition(id, {
    from: 'running',
    owner: `w-${id}`,
    to,
    type: to === 'quarantined' ? 'entry:quarantined' : 'entry:conflicted',
    data: { reason: `${id} failed` },
  });
}

const BATCH = { id: 'batch-1', size: 2, head: 'f'.repeat(40) };

/**
 * Six changes through the store's own API, as workers record them:
 * - a lands 10 s after its submission, after one passing `test` run of 2 s;
 * - b and c, one batch: its `test` run fails (3 s), a rerun passes (3 s) and is a flake; each of
 *   those is recorded on both changes; both land 30 s after submission;
 * - d: `lint` fails once (0.5 s), its retry passes (1 s): a flake; lands at 60 s;
 * - e: `test` fails (4 s), quarantined; f, submitted at 80 s, conflicts.
 */
async function seed(): Promise<void> {
  for (const id of ['a', 'b', 'c', 'd', 'e']) await store.enqueue(entry(id, [`${id}.txt`]));
  await lease('a');
  now = START + 5 * SECOND;
  await store.recordEvent('a', 'check:passed', { name: 'test', duration_ms: 2_000 }, 'w-a');
  now = START + 10 * SECOND;
  await landEntry(store, 'a', 'w-a');
  await lease('b');
  await lease('c');
  now = START + 22 * SECOND;
  for (const id of ['b', 'c']) {
    await store.recordEvent(id, 'check:failed', { name: 'test', duration_ms: 3_000, batch: BATCH });
  }
  for (const id of ['b', 'c']) {
    await store.recordEvent(id, 'check:passed', { name: 'test', duration_ms: 3_000, batch: BATCH });
  }
  for (const id of ['b', 'c']) {
    await store.recordEvent(id, 'check:flaked', { batch: BATCH, reruns: 1, failed_runs: ['red once'] });
  }
  now = START + 30 * SECOND;
  await landEntry(store, 'b', 'w-b');
  await landEntry(store, 'c', 'w-c');
  now = START + 40 * SECOND;
  await lease('d');
  now = START + 50 * SECOND;
  const lintRun = { name: 'lint', duration_ms: 1_000 };
  await store.recordEvent('d', 'check:flaked', {
    ...lintRun,
    failed_runs: [{ name: 'lint', duration_ms: 500, exit_code: 1 }],
  });
  await store.recordEvent('d', 'check:passed', lintRun);
  now = START + 60 * SECOND;
  await landEntry(store, 'd', 'w-d');
  await lease('e');
  now = START + 70 * SECOND;
  await store.recordEvent('e', 'check:failed', { name: 'test', duration_ms: 4_000 });
  await finish('e', 'quarantined');
  now = START + 80 * SECOND;
  await store.enqueue(entry('f', ['f.txt']));
  await lease('f');
  now = START + 90 * SECOND;
  await finish('f', 'conflicted');
  now = START + 100 * SECOND;
}

/** How many of `events` have one of `types`: the hand count. */
function countOf(events: readonly QueueEvent[], ...types: QueueEventType[]): number {
  return events.filter((event) => types.includes(event.type)).length;
}

describe('queue metrics from the event log', () => {
  it('agree with a hand count of the whole log', async () => {
    await seed();
    const events = await store.listEvents();
    const metrics = await readQueueMetrics(store);
    const landed = countOf(events, 'entry:landed', 'entry:already_landed');
    const conflicted = countOf(events, 'entry:conflicted');
    const quarantined = countOf(events, 'entry:quarantined');
    expect([landed, conflicted, quarantined]).toEqual([4, 1, 1]);
    expect(metrics).toMatchObject({
      since: null,
      now: START + 100 * SECOND,
      windowSeconds: 100,
      enqueued: countOf(events, 'entry:enqueued'),
      landed,
      conflicted,
      quarantined,
      rejected: 0,
      throughputPerHour: landed * 36,
      successRate: landed / (landed + conflicted + quarantined),
      conflictRate: conflicted / (landed + conflicted + quarantined),
    });
    expect(metrics.enqueued).toBe(6);
    // Latencies 10, 30, 30 and 60 s: nearest rank gives the 2nd for p50, the 4th for p95.
    expect(metrics.latency).toEqual({
      count: 4,
      sumMs: 130_000,
      p50Ms: 30_000,
      p90Ms: 60_000,
      p95Ms: 60_000,
    });
    // Runs: a 1, the batch 2 (each recorded twice, counted once), d 2 (a retry and a pass), e 1.
    const checkEvents = countOf(events, 'check:passed', 'check:failed');
    expect(checkEvents).toBe(7);
    expect(metrics.checks).toEqual({
      runs: 6,
      failures: 3,
      flakes: 2,
      seconds: 2 + 3 + 3 + 0.5 + 1 + 4,
      runsPerLanded: 6 / landed,
      byName: [
        { name: '(batch)', runs: 0, failures: 0, flakes: 1, seconds: 0 },
        { name: 'lint', runs: 2, failures: 1, flakes: 1, seconds: 1.5 },
        { name: 'test', runs: 4, failures: 2, flakes: 0, seconds: 12 },
      ],
    });
  });

  it('over a window count only its events, and still know when its landings were submitted', async () => {
    await seed();
    const since = START + 25 * SECOND;
    const inWindow = (await store.listEvents()).filter((event) => Date.parse(event.at) >= since);
    const metrics = await readQueueMetrics(store, { since, pageSize: 2 });
    expect(metrics).toMatchObject({
      since,
      windowSeconds: 75,
      enqueued: countOf(inWindow, 'entry:enqueued'),
      landed: countOf(inWindow, 'entry:landed'),
      quarantined: countOf(inWindow, 'entry:quarantined'),
      conflicted: countOf(inWindow, 'entry:conflicted'),
    });
    expect([metrics.enqueued, metrics.landed]).toEqual([1, 3]);
    expect(metrics.throughputPerHour).toBe((3 * 3600) / 75);
    // b and c were submitted before the window: their submit times come from the store.
    expect(metrics.latency).toMatchObject({ count: 3, sumMs: 120_000, p50Ms: 30_000, p95Ms: 60_000 });
    expect(metrics.checks).toMatchObject({ runs: 3, failures: 2, flakes: 1, seconds: 5.5, runsPerLanded: 1 });
    // The same window read in one page.
    expect(await readQueueMetrics(store, { since })).toEqual(metrics);
  });

  it('a follower reads only new events, and its totals only grow', async () => {
    const follower = new QueueMetricsFollower(store, { pageSize: 3 });
    expect((await follower.read()).landed).toBe(0);
    await seed();
    const first = await follower.read();
    const whole = await readQueueMetrics(store);
    expect(first).toEqual(whole);
    now += 10 * SECOND;
    await store.enqueue(entry('g', ['g.txt']));
    await lease('g');
    now += 5 * SECOND;
    await landEntry(store, 'g', 'w-g');
    const [second, same] = await Promise.all([follower.read(), follower.read()]);
    expect(same).toBe(second);
    expect([second.enqueued, second.landed, second.latency.count]).toEqual([7, 5, 5]);
    expect(second.latency.sumMs).toBe(130_000 + 5_000);
  });

  it('an empty log has no rates and no percentiles', async () => {
    expect(await readQueueMetrics(store)).toMatchObject({
      windowSeconds: null,
      landed: 0,
      throughputPerHour: null,
      successRate: null,
      conflictRate: null,
      latency: { count: 0, sumMs: 0, p50Ms: null, p95Ms: null },
      checks: { runs: 0, runsPerLanded: null, byName: [] },
    });
  });
});
