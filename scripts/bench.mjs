// Benchmarks reported as ratios measured in one run, so a busy machine skews both sides alike.
// Run with `pnpm bench` (it builds first). Prints figures, then all of them as one JSON object on
// the last line (also written to the file named by BENCH_JSON); never fails on them.
// BENCH_SECTIONS=queue_core,queue_drain,overhead,landing_proof_lookup picks sections (default: all);
// overhead (scripts/bench-overhead.mjs) takes BENCH_OVERHEAD_ENTRIES (default 300, 60 with --quick);
// BENCH_BACKLOG, BENCH_CYCLES and BENCH_SYNCHRONOUS (FULL, the store's default, or NORMAL) shape queue_core.
// startup times CLI commands against `node -e 0` (BENCH_STARTUP_BASELINE_CLI: another build's
// apps/cli/dist/bin.js, timed in the same rounds).
// queue_core_postgres runs scripts/bench-postgres.mjs (a real PostgreSQL server of its own, 1, 2 and
// 4 worker processes; BENCH_PG_BACKLOG and BENCH_PG_CYCLES shape it).
// strategies runs scripts/bench-strategies.mjs (every queue strategy on one seeded workload; its
// BENCH_STRATEGY_* variables are listed there).
// Flags: --quick (smaller defaults for every section, same JSON shape: a run of a few minutes);
// --json (the figures go to stderr, and stdout holds the one JSON object only).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  createTemporaryRepository,
  findLandedChangeInHistory,
  formatHyperionTrailers,
  runGit,
} from '@hyperion/git';
import { HyperionConfigSchema } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { MergeQueue } from '@hyperion/queue';
import { queueCore } from './bench-queue-core.mjs';
import { strategyBench } from './bench-strategies.mjs';
import { startup } from './bench-startup.mjs';
import { overhead } from './bench-overhead.mjs';

const QUICK = process.argv.includes('--quick');
const JSON_ONLY = process.argv.includes('--json');
if (JSON_ONLY) {
  // Every figure printed for people goes to stderr; stdout carries the JSON object alone.
  console.log = (...values) => console.error(...values);
}
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? (QUICK ? 12 : 24));
const CHECK_SECONDS = Number(process.env.BENCH_CHECK_SECONDS ?? 0.3);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? (QUICK ? 1_000 : 10_000));
const CYCLES = Number(process.env.BENCH_CYCLES ?? (QUICK ? 200 : 2_000));
const HISTORY_COMMITS = QUICK ? 60 : 200;
const SECTIONS = new Set(
  (
    process.env.BENCH_SECTIONS ??
    'startup,strategies,overhead,queue_core,queue_core_postgres,queue_drain,landing_proof_lookup'
  )
    .split(',')
    .map((name) => name.trim()),
);

function patchFor(index) {
  const path = `files/file-${index}.txt`;
  return {
    task_id: `bench-${index}`,
    agent: 'bench',
    changes: [
      {
        path,
        operation: 'update',
        patch: `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-before ${index}\n+after ${index}\n`,
      },
    ],
  };
}

async function drainSeconds(workers) {
  const files = {};
  for (let index = 0; index < ENTRIES; index += 1) files[`files/file-${index}.txt`] = `before ${index}\n`;
  const temporary = await createTemporaryRepository({ files });
  const store = SqliteStore.open(join(temporary.root, '.hyperion', 'hyperion.db'), { create: true });
  try {
    const config = HyperionConfigSchema.parse({
      workers,
      checks: [{ name: 'ci', command: `sleep ${CHECK_SECONDS}` }],
      queue: { poll_ms: 20, backoff_base_ms: 10 },
    });
    const queue = new MergeQueue({
      store,
      repository: temporary.repository,
      config,
      worktreesDirectory: join(temporary.root, '.hyperion', 'worktrees'),
    });
    for (let index = 0; index < ENTRIES; index += 1) await queue.submit(patchFor(index));
    const started = performance.now();
    const summary = await queue.runWorkers({ mode: 'drain' });
    const seconds = (performance.now() - started) / 1000;
    if (summary.landed !== ENTRIES)
      throw new Error(`expected ${ENTRIES} landed, got ${JSON.stringify(summary)}`);
    return seconds;
  } finally {
    await store.close();
    await temporary.cleanup();
  }
}

/** A stand-in patch id (sha256-shaped) for commit `index`. */
function patchId(index) {
  return index.toString(16).padStart(64, '0');
}

/** The landing proof of commit `index`. */
function proof(index) {
  return { changeId: `chg-${index}`, patchHash: patchId(index) };
}

async function trailerLookup() {
  const temporary = await createTemporaryRepository();
  try {
    const root = temporary.root;
    mkdirSync(join(root, 'log'), { recursive: true });
    const commits = HISTORY_COMMITS;
    for (let index = 0; index < commits; index += 1) {
      writeFileSync(join(root, 'log', 'n.txt'), `${index}\n`);
      await runGit(['add', '-A'], { cwd: root });
      await runGit(
        [
          '-c',
          'user.name=b',
          '-c',
          'user.email=b@b',
          'commit',
          '-qm',
          `c${index}\n\n${formatHyperionTrailers({ task: `t-${index}`, change: `chg-${index}`, patch: patchId(index) })}`,
        ],
        { cwd: root },
      );
    }
    const lookups = Math.min(50, HISTORY_COMMITS);
    const tip = await temporary.repository.requireBranch('main');
    let started = performance.now();
    for (let index = 0; index < lookups; index += 1) {
      const found = await findLandedChangeInHistory(
        temporary.repository.gitDirectory,
        tip,
        proof(index),
        10_000,
      );
      if (found === undefined) throw new Error(`the in-process walk did not find chg-${index}`);
    }
    const inProcess = (performance.now() - started) / lookups;
    started = performance.now();
    for (let index = 0; index < lookups; index += 1) {
      const found = await temporary.repository.findLandedChange('main', proof(index));
      if (found === undefined) throw new Error(`findLandedChange did not find chg-${index}`);
    }
    const spawned = (performance.now() - started) / lookups;
    return { inProcess, spawned };
  } finally {
    await temporary.cleanup();
  }
}

const results = {};

if (SECTIONS.has('startup')) {
  const start = await startup({ baselineCli: process.env.BENCH_STARTUP_BASELINE_CLI });
  results.startup = start;
  console.log(`startup, median of ${start.runs}: node -e 0 ${start.node_ms} ms`);
  console.log(
    `  queue list --json ${start.queue_list_ms} ms (${start.ratio}x node), --help ${start.help_ms} ms`,
  );
  if (start.baseline)
    console.log(`  baseline queue list --json ${start.baseline.queue_list_ms} ms (${start.baseline.ratio}x)`);
}

if (SECTIONS.has('strategies')) {
  // Its keys (default, workload, strategies, high_failure, strategy_targets) sit at the top level.
  Object.assign(results, await strategyBench({ quick: QUICK }));
}

if (SECTIONS.has('queue_core')) {
  const core = await queueCore({
    backlog: BACKLOG,
    cycles: CYCLES,
    synchronous: process.env.BENCH_SYNCHRONOUS ?? 'FULL',
  });
  results.queue_core = core;
  console.log(`queue core, ${core.backlog} entries queued throughout, synchronous=${core.synchronous}:`);
  console.log(`  enqueue          ${core.enqueue_per_s}/s (raw better-sqlite3 ${core.raw_enqueue_per_s}/s)`);
  console.log(
    `  lease→landed     ${core.cycles_per_s} cycles/s (raw ${core.raw_cycles_per_s}/s, two transactions a cycle)`,
  );
  console.log(
    `  store / raw      ${(core.cycles_per_s / core.raw_cycles_per_s).toFixed(2)}x cycles, ${(core.enqueue_per_s / core.raw_enqueue_per_s).toFixed(2)}x enqueue`,
  );
  console.log(
    `  lease latency    p50 ${core.lease_p50_ms} ms, p99 ${core.lease_p99_ms} ms (a raw lease: p50 ${core.raw_lease_p50_ms} ms, p99 ${core.raw_lease_p99_ms} ms)`,
  );
}

// BENCH_BASELINE_STORE=/path/to/an/older/packages/store/dist/index.js measures that build too, in
// the same run (with BENCH_BASELINE_CYCLES cycles, default 200: an older build may be slow).
if (SECTIONS.has('queue_core') && process.env.BENCH_BASELINE_STORE !== undefined) {
  const before = await queueCore({
    backlog: BACKLOG,
    cycles: Number(process.env.BENCH_BASELINE_CYCLES ?? 200),
    synchronous: process.env.BENCH_SYNCHRONOUS ?? 'FULL',
    storeModule: process.env.BENCH_BASELINE_STORE,
  });
  results.queue_core_baseline = { store: process.env.BENCH_BASELINE_STORE, ...before };
  console.log(`queue core of ${process.env.BENCH_BASELINE_STORE}, same backlog:`);
  console.log(
    `  enqueue ${before.enqueue_per_s}/s, ${before.cycles_per_s} cycles/s (raw ${before.raw_cycles_per_s}/s)`,
  );
  console.log(`  lease latency p50 ${before.lease_p50_ms} ms, p99 ${before.lease_p99_ms} ms`);
}

if (SECTIONS.has('queue_core_postgres')) {
  // Its own process: it starts (and stops) a PostgreSQL server and spawns its worker processes.
  const output = execFileSync(process.execPath, [new URL('./bench-postgres.mjs', import.meta.url).pathname], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: QUICK ? { BENCH_PG_BACKLOG: '300', BENCH_PG_CYCLES: '60', ...process.env } : process.env,
  });
  const runs = JSON.parse(output.trim().split('\n').at(-1)).postgres;
  results.queue_core_postgres = runs;
  console.log(`queue core on PostgreSQL, ${runs[0].backlog} entries queued at the start:`);
  console.log(
    `  enqueue          ${runs[0].enqueue_per_s}/s (one fsync'd commit: ${runs[0].commit_floor_ms} ms)`,
  );
  for (const run of runs) {
    console.log(
      `  ${run.processes} process(es)    ${run.cycles_per_s} cycles/s, lease p50 ${run.lease_p50_ms} ms, p99 ${run.lease_p99_ms} ms`,
    );
  }
}

if (SECTIONS.has('queue_drain')) {
  const one = await drainSeconds(1);
  const three = await drainSeconds(3);
  results.queue_drain = {
    entries: ENTRIES,
    check_seconds: CHECK_SECONDS,
    one_worker_seconds: one,
    three_workers_seconds: three,
    speed_up: one / three,
  };
  console.log(`queue drain, ${ENTRIES} entries, ${CHECK_SECONDS}s check each:`);
  console.log(`  1 worker  ${one.toFixed(2)} s (${(ENTRIES / one).toFixed(2)} entries/s)`);
  console.log(`  3 workers ${three.toFixed(2)} s (${(ENTRIES / three).toFixed(2)} entries/s)`);
  console.log(`  speed-up  ${(one / three).toFixed(2)}x`);
}

if (SECTIONS.has('overhead')) {
  // Quick: 3 rounds of 20 changes per configuration; the full run: 3 rounds of 100, where a drain's
  // fixed costs (worktrees made, the strategy's slow start) weigh less against the per-change cost.
  results.overhead = await overhead({
    entries: Number(process.env.BENCH_OVERHEAD_ENTRIES ?? (QUICK ? 60 : 300)),
  });
}

if (SECTIONS.has('landing_proof_lookup')) {
  const lookup = await trailerLookup();
  results.landing_proof_lookup = {
    in_process_ms: lookup.inProcess,
    git_grep_ms: lookup.spawned,
    ratio: lookup.inProcess / lookup.spawned,
  };
  console.log(
    `landing-proof lookup on a ${HISTORY_COMMITS}-commit branch (mean of ${Math.min(50, HISTORY_COMMITS)}):`,
  );
  console.log(`  in-process walk (isomorphic-git)        ${lookup.inProcess.toFixed(2)} ms`);
  console.log(`  findLandedChange (git log --grep)       ${lookup.spawned.toFixed(2)} ms`);
  console.log(`  in-process / git --grep                 ${(lookup.inProcess / lookup.spawned).toFixed(2)}x`);
}

const json = JSON.stringify(results);
if (process.env.BENCH_JSON !== undefined) writeFileSync(process.env.BENCH_JSON, `${json}\n`);
process.stdout.write(`${json}\n`);
