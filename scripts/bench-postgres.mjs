// Benchmarks the PostgreSQL store through its API on a real server started for the run: enqueue
// rate, and lease → landed cycles (each its own transaction with its event) with 1, 2 and 4 worker
// processes over a backlog of at least BENCH_PG_BACKLOG queued entries on distinct paths.
// Needs the built package (`pnpm build`). Prints one JSON object; never fails on the figures.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PostgresStore } from '../packages/store-postgres/dist/index.js';
import { startPostgresServer } from '../test-support/postgres-server-core.mjs';

const BACKLOG = Number(process.env.BENCH_PG_BACKLOG ?? 10_000);
const CYCLES = Number(process.env.BENCH_PG_CYCLES ?? 1_000);
const PROCESS_COUNTS = [1, 2, 4];
const LEASE_MS = 600_000;
/** How long one process count's cycles may take before its workers are killed. */
const WORKER_TIMEOUT_MS = Number(process.env.BENCH_PG_TIMEOUT_MS ?? 600_000);

function entry(index) {
  const id = `bench-${index}`;
  return {
    id,
    task_id: `task-${index}`,
    request_id: null,
    agent: 'bench',
    summary: `change ${index}`,
    priority: 0,
    max_attempts: 3,
    target_branch: 'main',
    paths: [`files/file-${index}.txt`],
    patch: `patch ${index}`,
    patch_hash: index.toString(16).padStart(64, '0'),
    base_commit: null,
    checks: [],
    change_request: { id },
  };
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const round = (value, digits = 2) => (value === null ? null : Number(value.toFixed(digits)));

/** A worker process: opens the store, says `ready`, runs `cycles` cycles on `go`, prints its lease times. */
async function worker(url, cycles, owner) {
  const store = await PostgresStore.open(url, { poolSize: 2 });
  process.stdout.write('ready\n');
  await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));
  const leaseMs = [];
  let done = 0;
  try {
    while (done < cycles) {
      const started = performance.now();
      const leased = await store.leaseNext(owner, LEASE_MS, 'main');
      leaseMs.push(performance.now() - started);
      if (leased === undefined) break;
      await store.transition(leased.id, {
        from: 'running',
        owner,
        to: 'landed',
        type: 'entry:landed',
        worker: owner,
        data: { commit: null },
      });
      done += 1;
    }
  } finally {
    await store.close();
  }
  process.stdout.write(`${JSON.stringify({ done, leaseMs })}\n`);
}

function startWorker(url, cycles, owner) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--worker', url, String(cycles), owner],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const received = [];
  let notify;
  lines.on('line', (line) => {
    received.push(line);
    notify?.();
  });
  const nextLine = () =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (received.length > 0) resolve(received.shift());
        else if (child.exitCode !== null || child.signalCode !== null)
          reject(new Error(`bench worker ${owner} exited with ${child.exitCode ?? child.signalCode}`));
        else notify = check;
      };
      child.once('exit', () => notify?.());
      check();
    });
  return { child, nextLine };
}

async function measureCycles(url, processes) {
  const workers = Array.from({ length: processes }, (_, index) =>
    startWorker(url, Math.ceil(CYCLES / processes), `bench-worker-${processes}-${index + 1}`),
  );
  for (const item of workers) {
    const line = await item.nextLine();
    if (line !== 'ready') throw new Error(`bench worker said ${line}`);
  }
  const started = performance.now();
  // Closing their input after `go` lets the workers exit once they have printed their times.
  for (const item of workers) item.child.stdin.end('go\n');
  // A worker that neither answers nor exits (its server gone, a connection hung) fails the section.
  const watchdog = setTimeout(() => {
    for (const item of workers) item.child.kill('SIGKILL');
  }, WORKER_TIMEOUT_MS);
  let results;
  try {
    results = await Promise.all(workers.map(async (item) => JSON.parse(await item.nextLine())));
  } finally {
    clearTimeout(watchdog);
  }
  const seconds = (performance.now() - started) / 1000;
  const cycles = results.reduce((sum, result) => sum + result.done, 0);
  const leases = results.flatMap((result) => result.leaseMs).sort((left, right) => left - right);
  return {
    processes,
    cycles,
    cycles_per_s: round(cycles / seconds, 1),
    lease_p50_ms: round(percentile(leases, 0.5)),
    lease_p99_ms: round(percentile(leases, 0.99)),
  };
}

/** The cost of one durable commit on this machine (fsync), the floor under every figure here. */
async function commitFloorMs(url) {
  const store = await PostgresStore.open(url, { create: true });
  try {
    const started = performance.now();
    for (let index = 0; index < 50; index += 1) await store.setQueueControls({ paused: false }, 'bench');
    return (performance.now() - started) / 50;
  } finally {
    await store.close();
  }
}

async function main() {
  const server = await startPostgresServer();
  try {
    const url = await server.createDatabase('hyperion_bench');
    const floor = await commitFloorMs(url);
    const store = await PostgresStore.open(url, { create: true });
    const total = BACKLOG + CYCLES * PROCESS_COUNTS.length;
    let enqueuePerSecond;
    try {
      const started = performance.now();
      for (let index = 0; index < total; index += 1) await store.enqueue(entry(index));
      enqueuePerSecond = total / ((performance.now() - started) / 1000);
    } finally {
      await store.close();
    }
    const runs = [];
    for (const processes of PROCESS_COUNTS) {
      const run = await measureCycles(url, processes);
      runs.push({
        ...run,
        backlog: total - CYCLES * runs.length,
        enqueue_per_s: round(enqueuePerSecond, 1),
        commit_floor_ms: round(floor),
      });
    }
    process.stdout.write(`${JSON.stringify({ postgres: runs })}\n`);
  } finally {
    await server.stop();
  }
}

if (process.argv[2] === '--worker') {
  await worker(process.argv[3], Number(process.argv[4]), process.argv[5]);
} else {
  await main();
}
