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

async function measureStore(directory, backlog, cycles, synchronous, Store) {
  const store = Store.open(join(directory, 'store.db'), { create: true, synchronous });
  try {
    const calls = storeCalls(store);
    const total = backlog + cycles;
    let started = performance.now();
    for (let index = 0; index < total; index += 1) await calls.enqueue(submission(index));
    const enqueueSeconds = (performance.now() - started) / 1000;
    const leaseMs = [];
    started = performance.now();
    for (let cycle = 0; cycle < cycles; cycle += 1) {
      const owner = `worker-${cycle % 3}`;
      const leaseStarted = performance.now();
      const entry = await calls.lease(owner);
      leaseMs.push(performance.now() - leaseStarted);
      if (entry === undefined) throw new Error(`nothing to lease at cycle ${cycle}`);
      await calls.land(entry.id, owner);
    }
    const cycleSeconds = (performance.now() - started) / 1000;
    const queued = await calls.queuedCount();
    if (queued !== backlog) throw new Error(`expected ${backlog} still queued, found ${queued}`);
    leaseMs.sort((left, right) => left - right);
    return {
      enqueue_per_s: total / enqueueSeconds,
      cycles_per_s: cycles / cycleSeconds,
      lease_p50_ms: percentile(leaseMs, 0.5),
      lease_p99_ms: percentile(leaseMs, 0.99),
    };
  } finally {
    await store.close();
  }
}

/**
 * The least the same work needs: an indexed queue table and an event table. An enqueue is one
 * transaction (row + event); a cycle is what a worker must do at minimum, two transactions: the
 * lease (select the next runnable row by index, update it, insert an event), committed before the
 * work, then the landing (update, insert an event).
 */
function measureRaw(directory, backlog, cycles, synchronous) {
  const database = new Database(join(directory, 'raw.db'));
  try {
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${synchronous}`);
    database.pragma('busy_timeout = 10000');
    database.pragma('foreign_keys = ON');
    database.exec(`
      CREATE TABLE entries (sequence INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
        priority INTEGER NOT NULL, target_branch TEXT NOT NULL, paths TEXT NOT NULL, patch TEXT NOT NULL,
        patch_hash TEXT NOT NULL, body TEXT NOT NULL, lease_owner TEXT, landed_commit TEXT, updated_at TEXT NOT NULL);
      CREATE INDEX entries_next ON entries(target_branch, priority DESC, sequence) WHERE state = 'queued';
      CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, entry_id TEXT NOT NULL, type TEXT NOT NULL,
        at TEXT NOT NULL, data TEXT NOT NULL);
    `);
    const insertEntry = database.prepare(
      "INSERT INTO entries (id, state, priority, target_branch, paths, patch, patch_hash, body, updated_at) VALUES (?, 'queued', 0, 'main', ?, ?, ?, ?, ?)",
    );
    const insertEvent = database.prepare('INSERT INTO events (entry_id, type, at, data) VALUES (?, ?, ?, ?)');
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
      insertEvent.run(input.id, 'entry:enqueued', at, JSON.stringify({ paths: input.paths }));
    });
    const next = database.prepare(
      "SELECT id FROM entries WHERE state = 'queued' AND target_branch = 'main' ORDER BY priority DESC, sequence LIMIT 1",
    );
    const take = database.prepare("UPDATE entries SET state = 'running', lease_owner = ?, updated_at = ? WHERE id = ?");
    const land = database.prepare(
      "UPDATE entries SET state = 'landed', lease_owner = NULL, landed_commit = ?, updated_at = ? WHERE id = ?",
    );
    // A worker commits its lease before it does the work, then commits the landing: two commits.
    const lease = database.transaction((owner) => {
      const row = next.get();
      const at = new Date().toISOString();
      take.run(owner, at, row.id);
      insertEvent.run(row.id, 'entry:leased', at, JSON.stringify({ attempt: 1 }));
      return row.id;
    });
    const landing = database.transaction((id) => {
      const at = new Date().toISOString();
      land.run(LANDED_COMMIT, at, id);
      insertEvent.run(id, 'entry:landed', at, JSON.stringify({ commit: LANDED_COMMIT }));
    });
    const total = backlog + cycles;
    let started = performance.now();
    for (let index = 0; index < total; index += 1) enqueue.immediate(submission(index));
    const enqueueSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const cycleMs = [];
    for (let index = 0; index < cycles; index += 1) {
      const cycleStarted = performance.now();
      const id = lease.immediate(`worker-${index % 3}`);
      cycleMs.push(performance.now() - cycleStarted);
      landing.immediate(id);
    }
    const cycleSeconds = (performance.now() - started) / 1000;
    cycleMs.sort((left, right) => left - right);
    return {
      raw_enqueue_per_s: total / enqueueSeconds,
      raw_cycles_per_s: cycles / cycleSeconds,
      raw_lease_p50_ms: percentile(cycleMs, 0.5),
      raw_lease_p99_ms: percentile(cycleMs, 0.99),
    };
  } finally {
    database.close();
  }
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
  try {
    const raw = measureRaw(directory, backlog, cycles, synchronous);
    const store = await measureStore(directory, backlog, cycles, synchronous, Store);
    const round = (value) => Math.round(value * 1000) / 1000;
    return {
      backlog,
      synchronous,
      enqueue_per_s: Math.round(store.enqueue_per_s),
      cycles_per_s: Math.round(store.cycles_per_s),
      raw_cycles_per_s: Math.round(raw.raw_cycles_per_s),
      raw_enqueue_per_s: Math.round(raw.raw_enqueue_per_s),
      lease_p50_ms: round(store.lease_p50_ms),
      lease_p99_ms: round(store.lease_p99_ms),
      // What the disk gives one raw lease transaction, for reading the store's lease latency beside.
      raw_lease_p50_ms: round(raw.raw_lease_p50_ms),
      raw_lease_p99_ms: round(raw.raw_lease_p99_ms),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
