import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@hyperion/store';
import { sampleEntry } from './sample-entry.js';

/** A real SQLite store holding something for every pane, and how to remove it. */
export interface SeededStore {
  /** The store (its clock is `clock.now`). */
  store: SqliteStore;
  /** The database file (another connection may open it). */
  databasePath: string;
  /** The store's clock; tests move it forward. */
  clock: { now: number };
  /** The lease length the seeded leases were taken with. */
  leaseMs: number;
  /** Closes the store and deletes its directory. */
  cleanup(): Promise<void>;
}

/** The seeded store's starting time. */
export const SEED_START = Date.parse('2025-01-01T12:00:00.000Z');
const COMMIT = 'c'.repeat(40);

/**
 * Seeds a store as a busy queue looks: a request whose assignments an agent is running and
 * waiting on (with token usage), two changes awaiting approval, one running on worker-1, one
 * queued, one landed after a failed speculative check, one quarantined and one conflicted.
 */
export async function seedStore(): Promise<SeededStore> {
  const directory = mkdtempSync(join(tmpdir(), 'hyperion-tui-seed-'));
  const databasePath = join(directory, '.hyperion', 'hyperion.db');
  const clock = { now: SEED_START };
  const leaseMs = 30_000;
  const store = SqliteStore.open(databasePath, { clock: () => clock.now, create: true });
  await store.insertRequest({ id: 'REQ-6', summary: 'old work', status: 'failed', body: {} });
  await store.updateRequest('REQ-6', 'failed', 'the engineer gave up');
  clock.now += 1_000;
  await store.insertRequest({ id: 'REQ-7', summary: 'add a parser', status: 'enqueued', body: {} });
  for (const [taskId, status] of [
    ['T-write', 'running'],
    ['T-docs', 'planned'],
    ['T-lock', 'submitted'],
  ] as const) {
    await store.insertAssignment({
      task_id: taskId,
      request_id: 'REQ-7',
      summary: `do ${taskId}`,
      status,
      body: {},
    });
  }
  await store.recordAssignmentRun({
    request_id: 'REQ-7',
    task_id: 'T-write',
    role: 'developer',
    harness: 'copilot',
    status: 'ok',
    input_tokens: 1200,
    output_tokens: 300,
    cost_usd: null,
    credits: null,
    duration_ms: 4000,
    change_id: null,
    error: null,
  });
  // Landed after a failed check: a speculative run on a failing predecessor, then a green one.
  await store.enqueue(
    sampleEntry('change-landed', { request_id: 'REQ-7', task_id: 'T-landed', paths: ['l.txt'] }),
  );
  await store.leaseNext('worker-2', leaseMs);
  await store.recordEvent(
    'change-landed',
    'check:failed',
    { name: 'test', exit_code: 1, output: 'red' },
    'worker-2',
  );
  await store.recordEvent(
    'change-landed',
    'check:passed',
    { name: 'test', exit_code: 0, output: 'green' },
    'worker-2',
  );
  await store.transition('change-landed', {
    from: 'running',
    to: 'landed',
    type: 'entry:landed',
    worker: 'worker-2',
    data: { commit: COMMIT },
    set: { landed_commit: COMMIT },
  });
  await store.enqueue(sampleEntry('change-broken', { paths: ['b.txt'], summary: 'break the build' }));
  await store.leaseNext('worker-2', leaseMs);
  await store.recordEvent(
    'change-broken',
    'check:failed',
    { name: 'test', exit_code: 2, output: 'assertion failed: 1 != 2' },
    'worker-2',
  );
  await store.transition('change-broken', {
    from: 'running',
    to: 'quarantined',
    type: 'entry:quarantined',
    worker: 'worker-2',
    data: { reason: "check 'test' failed: exited with 2" },
    set: { last_error: "check 'test' failed: exited with 2" },
  });
  await store.enqueue(sampleEntry('change-clash', { paths: ['c.txt'], summary: 'edit c' }));
  await store.leaseNext('worker-2', leaseMs);
  await store.transition('change-clash', {
    from: 'running',
    to: 'conflicted',
    type: 'entry:conflicted',
    worker: 'worker-2',
    data: {
      reason: 'patch does not apply to main',
      report: {
        base_commit: null,
        tip: COMMIT,
        files: [{ path: 'c.txt', error: 'patch failed: c.txt:1' }],
        intervening_commits: [],
        git_output: 'error: patch failed',
      },
    },
    set: { last_error: 'patch does not apply to main' },
  });
  clock.now += 5_000;
  await store.enqueue(
    sampleEntry('change-run', {
      request_id: 'REQ-7',
      task_id: 'T-write',
      paths: ['r.txt'],
      summary: 'write the parser',
    }),
  );
  await store.leaseNext('worker-1', leaseMs);
  await store.recordEvent('change-run', 'entry:applied', {}, 'worker-1');
  await store.enqueue(sampleEntry('change-wait', { paths: ['w.txt'], summary: 'tidy the docs' }));
  await store.enqueue(
    sampleEntry('change-lock', {
      request_id: 'REQ-7',
      task_id: 'T-lock',
      paths: ['pnpm-lock.yaml'],
      summary: 'bump the lockfile',
      state: 'awaiting_approval',
    }),
  );
  await store.enqueue(
    sampleEntry('change-ci', {
      paths: ['.github/ci.yml'],
      summary: 'edit the CI',
      state: 'awaiting_approval',
    }),
  );
  clock.now += 10_000;
  return {
    store,
    databasePath,
    clock,
    leaseMs,
    async cleanup() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
