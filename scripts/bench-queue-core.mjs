// The `queue_core` benchmark: the store's own cost per enqueue and per lease→landed cycle with a
// large backlog, beside raw better-sqlite3 doing the least the same work needs, on the same disk
// with the same pragmas, in the same run.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { SqliteStore } from '@hyperion/store';

// The raw baseline uses the store's own better-sqlite3 (same SQLite build), without a dependency of its own.
const Database = createRequire(import.meta.resolve('@hyperion/store'))('better-sqlite3');

const LANDED_COMMIT = 'c0ffee'.padEnd(40, '0');

/** A small realistic patch for entry `index`, on a file of its own. */
function submission(index) {
  const path = `packages/module-${index % 97}/src/file-${index}.ts`;
  const patch =
    `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -10,7 +10,7 @@ export function run${index}() {\n` +
    `   const options = readOptions();\n   const result = compute(options);\n-  return result;\n` +
    `+  return normalize(result, ${index});\n }\n \n export default run${index};\n`;
  return {
    id: `chg-${index}`,
    task_id: `task-${index}`,
    request_id: `req-${Math.floor(index / 4)}`,
    agent: 'bench',
    summary: `Normalize the result of run${index}`,
    priority: 0,
    max_attempts: 3,
    target_branch: 'main',
    paths: [path],
    patch,
    patch_hash: createHash('sha256').update(patch).digest('hex'),
    base_commit: 'ba5e'.padEnd(40, '0'),
    checks: ['lint', 'test'],
    change_request: {
      id: `chg-${index}`,
      task_id: `task-${index}`,
      changes: [{ path, operation: 'update' }],
    },
  };
}

/**
 * Every store call the benchmark makes. Each is awaited, so the same loop measures the store
 * whether its methods return values or promises.
 */
function storeCalls(store) {
  return {
    enqueue: (input) => store.enqueue(input),
    lease: (owner) => store.leaseNext(owner, 60_000, 'main'),
    land: (id, owner) =>
      store.transition(id, {
        from: 'running',
        owner,
        to: 'landed',
        type: 'entry:landed',
        worker: owner,
        data: { commit: LANDED_COMMIT },
        set: { landed_commit: LANDED_COMMIT, last_error: null },
      }),
    queuedCount: async () => (await store.countByState()).queued ?? 0,
  };
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

/** The store side: `enqueue(index)` and `cycle(index)` (the lease's time, commit included). */
function storeSide(directory, synchronous, Store) {
  const store = Store.open(join(directory, 'store.db'), { create: true, synchronous });
  const calls = storeCalls(store);
  return {
    enqueue: (index) => calls.enqueue(submission(index)),
    async cycle(index) {
      const owner = `worker-${index % 3}`;
      const started = performance.now();
      const entry = await calls.lease(owner);
      const leaseMs = performance.now() - started;
      if (entry === undefined) throw new Error(`nothing to lease at cycle ${index}`);
      await calls.land(entry.id, owner);
      return leaseMs;
    },
    queuedCount: () => calls.queuedCount(),
    close: () => store.close(),
  };
}

/**
 * The raw side: the least the same work needs, an indexed queue table and an event table. An
 * enqueue is one transaction (row + event); a cycle is what a worker must do at minimum, two
 * transactions: the lease (select the next runnable row by index, update it, insert an event),
 * committed before the work, then the landing (update, insert an event).
 */
function rawSide(directory, synchronous) {
  const database = new Database(join(directory, 'raw.db'));
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous}`);
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  // As the store opens its file (wal-checkpoints.ts): checkpoints at 10,000 WAL pages, not 1,000.
  database.pragma('wal_autocheckpoint = 10000');
  database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  database.exec(`
    CREATE TABLE entries (sequence INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
      priority INTEGER NOT NULL, target_branch TEXT NOT NULL, paths TEXT NOT NULL, patch TEXT NOT NULL,
      patch_hash TEXT NOT NULL, body TEXT NOT NULL, lease_owner TEXT, landed_commit TEXT, updated_at TEXT NOT NULL);
    CREATE INDEX entries_next ON entries(target_branch, priority DESC, sequence) WHERE state = 'queued';
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, entry_id TEXT NOT NULL, type TEXT NOT NULL,
      from_state TEXT, to_state TEXT, worker TEXT, at TEXT NOT NULL, data TEXT NOT NULL);
  `);
  const insertEntry = database.prepare(
    "INSERT INTO entries (id, state, priority, target_branch, paths, patch, patch_hash, body, updated_at) VALUES (?, 'queued', 0, 'main', ?, ?, ?, ?, ?)",
  );
  // The store's event row: the same columns, the same data (its JSON) as the store writes.
  const insertEvent = database.prepare(
    'INSERT INTO events (entry_id, type, from_state, to_state, worker, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const enqueue = database.transaction((input) => {
    const at = new Date().toISOString();
    insertEntry.run(
      input.id,
      JSON.stringify(input.paths),
      input.patch,
      input.patch_hash,
      JSON.stringify(input.change_request),
      at,
    );
    const data = {
      task_id: input.task_id,
      request_id: input.request_id,
      paths: input.paths,
      patch_hash: input.patch_hash,
    };
    insertEvent.run(input.id, 'entry:enqueued', null, 'queued', null, at, JSON.stringify(data));
  });
  const next = database.prepare(
    "SELECT id FROM entries WHERE state = 'queued' AND target_branch = 'main' ORDER BY priority DESC, sequence LIMIT 1",
  );
  const take = database.prepare(
    "UPDATE entries SET state = 'running', lease_owner = ?, updated_at = ? WHERE id = ?",
  );
  const land = database.prepare(
    "UPDATE entries SET state = 'landed', lease_owner = NULL, landed_commit = ?, updated_at = ? WHERE id = ?",
  );
  const lease = database.transaction((owner) => {
    const row = next.get();
    const at = new Date().toISOString();
    take.run(owner, at, row.id);
    const data = JSON.stringify({ attempt: 1, lease_ms: 60_000 });
    insertEvent.run(row.id, 'entry:leased', 'queued', 'running', owner, at, data);
    return row.id;
  });
  const landing = database.transaction((id, owner) => {
    const at = new Date().toISOString();
    land.run(LANDED_COMMIT, at, id);
    const data = JSON.stringify({ commit: LANDED_COMMIT });
    insertEvent.run(id, 'entry:landed', 'running', 'landed', owner, at, data);
  });
  return {
    enqueue: (index) => enqueue.immediate(submission(index)),
    cycle(index) {
      const started = performance.now();
      const owner = `worker-${index % 3}`;
      const id = lease.immediate(owner);
      const leaseMs = performance.now() - started;
      landing.immediate(id, owner);
      return leaseMs;
    },
    close: () => database.close(),
  };
}

/** Operations per turn: the two sides take turns so that a change in the disk's speed hits both. */
const ENQUEUE_CHUNK = 500;
const CYCLE_CHUNK = 100;

/**
 * Runs `operation(index)` for `0 <= index < total` on each side, the sides taking turns by
 * `chunk` (which side goes first alternates); returns each side's seconds and per-call values.
 */
async function alternate(total, chunk, sides) {
  const seconds = sides.map(() => 0);
  const values = sides.map(() => []);
  for (let start = 0, turn = 0; start < total; start += chunk, turn += 1) {
    const end = Math.min(total, start + chunk);
    const order = turn % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) {
      const started = performance.now();
      for (let index = start; index < end; index += 1) values[side].push(await sides[side](index));
      seconds[side] += (performance.now() - started) / 1000;
    }
  }
  return { seconds, values };
}

/**
 * Measures `queue_core`: `backlog` entries stay queued while `cycles` lease→landed cycles run
 * (each a lease transaction and a landing transaction, each with its event row, as a worker does).
 * `storeModule` names another build of `@hyperion/store` to measure instead (an older one, say).
 */
export async function queueCore({
  backlog = 10_000,
  cycles = 2_000,
  synchronous = 'FULL',
  storeModule,
} = {}) {
  const Store = storeModule === undefined ? SqliteStore : (await import(storeModule)).SqliteStore;
  const directory = mkdtempSync(join(tmpdir(), 'hyperion-bench-queue-core-'));
  const raw = rawSide(directory, synchronous);
  const store = storeSide(directory, synchronous, Store);
  try {
    const total = backlog + cycles;
    const enqueued = await alternate(total, ENQUEUE_CHUNK, [raw.enqueue, store.enqueue]);
    const cycled = await alternate(cycles, CYCLE_CHUNK, [raw.cycle, store.cycle]);
    const queued = await store.queuedCount();
    if (queued !== backlog) throw new Error(`expected ${backlog} still queued, found ${queued}`);
    const [rawLeaseMs, storeLeaseMs] = cycled.values.map((list) =>
      [...list].sort((left, right) => left - right),
    );
    const round = (value) => Math.round(value * 1000) / 1000;
    return {
      backlog,
      synchronous,
      enqueue_per_s: Math.round(total / enqueued.seconds[1]),
      cycles_per_s: Math.round(cycles / cycled.seconds[1]),
      raw_cycles_per_s: Math.round(cycles / cycled.seconds[0]),
      raw_enqueue_per_s: Math.round(total / enqueued.seconds[0]),
      lease_p50_ms: round(percentile(storeLeaseMs, 0.5)),
      lease_p99_ms: round(percentile(storeLeaseMs, 0.99)),
      // What the disk gives one raw lease transaction, for reading the store's lease latency beside.
      raw_lease_p50_ms: round(percentile(rawLeaseMs, 0.5)),
      raw_lease_p99_ms: round(percentile(rawLeaseMs, 0.99)),
    };
  } finally {
    raw.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
