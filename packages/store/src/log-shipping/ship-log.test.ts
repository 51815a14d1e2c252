import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conformanceEntry } from '../testing/conformance-entries.js';
import { compareWithLive } from '../replay.js';
import { SqliteStore } from '../sqlite-store.js';
import { readSegmentDirectory } from './segment-directory.js';
import { restoreShippedLog, shipLog, followLog } from './ship-log.js';
import { queueStateChecksum } from './state-checksum.js';

let directory: string;
let live: SqliteStore;
let shipped: string;

/** Enqueues `ids`, lands the first, fails the second back to the queue, leaves one running. */
async function workOn(store: SqliteStore, ids: string[]): Promise<void> {
  for (const id of ids) await store.enqueue(conformanceEntry(id, [`${id}.txt`]));
  for (const [index, id] of ids.entries()) {
    const leased = await store.leaseNext(`w-${id}`, 60_000);
    expect(leased?.id).toBe(id);
    if (index % 3 === 0) {
      await store.transition(id, {
        from: 'running',
        to: 'landed',
        owner: `w-${id}`,
        type: 'entry:landed',
        data: { commit: 'a'.repeat(40) },
        set: { landed_commit: 'a'.repeat(40) },
      });
    } else if (index % 3 === 1) {
      await store.transition(id, {
        from: 'running',
        to: 'queued',
        owner: `w-${id}`,
        type: 'entry:retry_scheduled',
        data: { reason: 'check failed' },
        set: { last_error: 'check failed', not_before: store.now() + 600_000 },
      });
    }
  }
}

async function checksumOf(store: SqliteStore): Promise<string> {
  return queueStateChecksum(await store.listEntries());
}

async function restoredInto(name: string): Promise<SqliteStore> {
  const store = SqliteStore.open(join(directory, name), { create: true });
  await restoreShippedLog(shipped, store);
  return store;
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-ship-'));
  live = SqliteStore.open(join(directory, 'live.db'), { create: true });
  shipped = join(directory, 'shipped');
});

afterEach(async () => {
  await live.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('shipLog and restoreShippedLog', () => {
  it('restores, from the segments alone, a store with the same state checksum and a log that replays to it', async () => {
    await workOn(live, ['a', 'b', 'c', 'd', 'e']);
    const first = await shipLog(live, shipped, { maxEventsPerSegment: 4 });
    expect(first.segments.length).toBeGreaterThan(2);
    const restored = await restoredInto('restored.db');
    try {
      expect(await checksumOf(restored)).toBe(await checksumOf(live));
      expect(await compareWithLive(restored)).toEqual([]);
      expect(await restored.getChangeRequest('b')).toEqual({ id: 'b', note: 'as submitted' });
      expect((await restored.listEvents()).map((event) => event.id)).toEqual(
        (await live.listEvents()).map((event) => event.id),
      );
    } finally {
      await restored.close();
    }
  });

  it('resumes after the last segment: new events go into new segments, nothing twice, old segments untouched', async () => {
    await workOn(live, ['a', 'b']);
    await shipLog(live, shipped);
    const before = readdirSync(shipped).map((name) => [name, readFileSync(join(shipped, name), 'utf8')]);
    expect(await shipLog(live, shipped)).toMatchObject({ segments: [], events: 0 });
    await workOn(live, ['c', 'd']);
    const second = await shipLog(live, shipped);
    expect(second.segments).toHaveLength(1);
    for (const [name, text] of before) expect(readFileSync(join(shipped, name!), 'utf8')).toBe(text);
    const ids = readSegmentDirectory(shipped).flatMap((segment) => segment.events.map((event) => event.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual((await live.listEvents()).map((event) => event.id));
  });

  it("deletes a dead shipper's partial file but never a running shipper's", async () => {
    await workOn(live, ['a']);
    mkdirSync(shipped, { recursive: true });
    const dead = join(shipped, '.partial-segment-00000001.jsonl.4194304');
    const running = join(shipped, `.partial-segment-00000001.jsonl.${process.ppid}`);
    writeFileSync(dead, 'half a segment');
    writeFileSync(running, 'half a segment');
    await shipLog(live, shipped);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(running)).toBe(true);
  });

  it('changes the state checksum when any replayed field differs', async () => {
    await workOn(live, ['a', 'b']);
    const original = await checksumOf(live);
    const entries = await live.listEntries();
    expect(queueStateChecksum([...entries].reverse())).toBe(original);
    expect(queueStateChecksum(entries.map((entry) => ({ ...entry, attempts: entry.attempts + 1 })))).not.toBe(
      original,
    );
    expect(
      queueStateChecksum(entries.map((entry) => ({ ...entry, updated_at: '2000-01-01T00:00:00.000Z' }))),
    ).toBe(original);
  });

  describe('refuses damaged shipments with one line naming the segment, writing nothing', () => {
    beforeEach(async () => {
      await workOn(live, ['a', 'b', 'c', 'd']);
      await shipLog(live, shipped, { maxEventsPerSegment: 3 });
      expect(readdirSync(shipped).length).toBeGreaterThanOrEqual(4);
    });

    async function expectRefused(pattern: RegExp): Promise<void> {
      const target = SqliteStore.open(join(directory, 'target.db'), { create: true });
      try {
        await expect(restoreShippedLog(shipped, target)).rejects.toMatchObject({
          code: 'log_segment_invalid',
          message: expect.stringMatching(pattern),
        });
        expect(await target.listEntries()).toEqual([]);
        expect(await target.listEvents()).toEqual([]);
      } finally {
        await target.close();
      }
    }

    it('a corrupted segment', async () => {
      const file = join(shipped, 'segment-00000002.jsonl');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace('"entry:', '"entrx:'));
      await expectRefused(/segment-00000002\.jsonl: does not match its checksum/);
    });

    it('a missing segment', async () => {
      rmSync(join(shipped, 'segment-00000002.jsonl'));
      await expectRefused(/segment-00000002\.jsonl: segment 2 is missing/);
    });

    it('two segments swapped', async () => {
      const second = join(shipped, 'segment-00000002.jsonl');
      const third = join(shipped, 'segment-00000003.jsonl');
      renameSync(second, join(shipped, 'swap'));
      renameSync(third, second);
      renameSync(join(shipped, 'swap'), third);
      await expectRefused(/segment-00000002\.jsonl: holds segment 3 where segment 2 belongs/);
    });

    it('a truncated segment', async () => {
      const file = join(shipped, 'segment-00000003.jsonl');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.slice(0, text.length - 20));
      await expectRefused(/segment-00000003\.jsonl.*truncated/);
    });

    it('a segment re-made with a valid checksum but out of the chain', async () => {
      // A forged segment 1 that is self-consistent but is not the one segment 2 was chained to.
      const first = join(shipped, 'segment-00000001.jsonl');
      const other = join(directory, 'other');
      const store = SqliteStore.open(join(directory, 'other.db'), { create: true });
      await workOn(store, ['x']);
      await shipLog(store, other, { maxEventsPerSegment: 100 });
      await store.close();
      writeFileSync(first, readFileSync(join(other, 'segment-00000001.jsonl')));
      await expectRefused(/segment-00000002\.jsonl: (does not follow|starts after event)/);
    });

    it('shipping does not continue over a gap either', async () => {
      rmSync(join(shipped, 'segment-00000002.jsonl'));
      await expect(shipLog(live, shipped)).rejects.toMatchObject({ code: 'log_segment_invalid' });
    });
  });

  it('refuses a store that already holds a queue', async () => {
    await workOn(live, ['a']);
    await shipLog(live, shipped);
    await expect(restoreShippedLog(shipped, live)).rejects.toMatchObject({ code: 'invalid_state' });
  });

  it('follows: events committed after it started are shipped without another call, until stopped', async () => {
    const stop = new AbortController();
    const following = followLog(live, shipped, { signal: stop.signal, intervalMs: 200 });
    await workOn(live, ['a', 'b']);
    const expected = (await live.listEvents()).at(-1)!.id;
    for (let round = 0; round < 200; round += 1) {
      const last = readSegmentDirectory(shipped).at(-1)?.header.last_event_id ?? 0;
      if (last === expected) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    stop.abort();
    const total = await following;
    expect(total.lastEventId).toBe(expected);
    const restored = await restoredInto('followed.db');
    try {
      expect(await checksumOf(restored)).toBe(await checksumOf(live));
    } finally {
      await restored.close();
    }
  });
});
