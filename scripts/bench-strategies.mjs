// The `strategies` section of `pnpm bench` (issue 10): every queue strategy on the same seeded
// workload against a real project with a real test suite (scripts/strategy-fixture.mjs), driven
// through the built packages' public APIs (MergeQueue, SqliteStore, createTemporaryRepository).
// Every figure is read after the run from the event log, from git, and from a file the check
// command appends one line to per invocation (the honest count of check runs: one batch check
// covering several entries is one run).
//
// Environment (all optional): BENCH_STRATEGY_CHANGES (200; --quick 24), BENCH_STRATEGY_SEED (10),
// BENCH_STRATEGY_FAILURE_RATES ("0.05,0.4": the headline run, then the high-failure run),
// BENCH_STRATEGY_WORK (work units of the suite, 2,000,000; --quick 300,000),
// BENCH_STRATEGY_WORKERS (3), BENCH_STRATEGY_NAMES ("serial,batch,adaptive"),
// BENCH_STRATEGY_MAX_ATTEMPTS (1), BENCH_STRATEGY_EVENTS_DIR (when set, each run's entries and
// events are written there as <failure rate>-<strategy>.json, to be read again later),
// BENCH_STRATEGY_BISECT_CONCURRENCY (queue.strategy.bisect_concurrency; unset: the queue's default),
// BENCH_STRATEGY_MAX_BATCH (queue.strategy.max_batch; unset: the queue's default),
// BENCH_STRATEGY_CULPRIT_HINTS (0/false/off/no or 1: queue.strategy.culprit_hints; unset: the queue's default),
// BENCH_STRATEGY_GIT_LOG_DIR (when set, every git command of each run's drain, with its start time
// and duration, is written there as <failure rate>-<strategy>-git.json: where the time outside the
// checks goes).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTemporaryRepository, observeGitCommands, runGit } from '@hyperion/git';
import { HyperionConfigSchema } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { MergeQueue } from '@hyperion/queue';
import { generateWorkload } from './strategy-fixture.mjs';

const STRATEGY_NAMES = ['serial', 'batch', 'adaptive'];
const CHECK_EVENTS = new Set(['check:passed', 'check:failed', 'check:flaked']);
const TEST_COMMAND = 'node test/run.mjs';

/**
 * The `queue.strategy` settings that `environment` sets: BENCH_STRATEGY_BISECT_CONCURRENCY,
 * BENCH_STRATEGY_MAX_BATCH and BENCH_STRATEGY_CULPRIT_HINTS (0, false, off or no: off), only
 * those present.
 */
function strategyOverridesOf(environment) {
  const overrides = {};
  if (environment.BENCH_STRATEGY_BISECT_CONCURRENCY !== undefined)
    overrides.bisect_concurrency = Number(environment.BENCH_STRATEGY_BISECT_CONCURRENCY);
  if (environment.BENCH_STRATEGY_MAX_BATCH !== undefined)
    overrides.max_batch = Number(environment.BENCH_STRATEGY_MAX_BATCH);
  if (environment.BENCH_STRATEGY_CULPRIT_HINTS !== undefined)
    overrides.culprit_hints = !['0', 'false', 'off', 'no'].includes(
      environment.BENCH_STRATEGY_CULPRIT_HINTS.toLowerCase(),
    );
  return overrides;
}

/** The settings of one bench run, from the environment and `--quick`. */
function settingsFor(quick) {
  const number = (name, fallback) => Number(process.env[name] ?? fallback);
  return {
    quick,
    seed: number('BENCH_STRATEGY_SEED', 10),
    changes: number('BENCH_STRATEGY_CHANGES', quick ? 24 : 200),
    failureRates: (process.env.BENCH_STRATEGY_FAILURE_RATES ?? '0.05,0.4').split(',').map(Number),
    workUnits: number('BENCH_STRATEGY_WORK', quick ? 300_000 : 2_000_000),
    workers: number('BENCH_STRATEGY_WORKERS', 3),
    maxAttempts: number('BENCH_STRATEGY_MAX_ATTEMPTS', 1),
    // The queue.strategy settings the environment sets; one left unset keeps the queue's default.
    strategyOverrides: strategyOverridesOf(process.env),
    eventsDirectory: process.env.BENCH_STRATEGY_EVENTS_DIR,
    gitLogDirectory: process.env.BENCH_STRATEGY_GIT_LOG_DIR,
    names: (process.env.BENCH_STRATEGY_NAMES ?? STRATEGY_NAMES.join(','))
      .split(',')
      .map((name) => name.trim()),
  };
}

/** The queue config of one strategy run (`strategy` null: the queue as configured by default). */
function configInput(settings, checkCommand, strategy) {
  return {
    workers: settings.workers,
    checks: [{ name: 'suite', command: checkCommand }],
    queue: {
      max_attempts: settings.maxAttempts,
      backoff_base_ms: 10,
      ...(strategy === null && Object.keys(settings.strategyOverrides).length === 0
        ? {}
        : { strategy: { ...(strategy === null ? {} : { name: strategy }), ...settings.strategyOverrides } }),
    },
  };
}

/** Whether this build's config accepts `queue.strategy.name: <name>`. */
function strategySupported(name) {
  return HyperionConfigSchema.safeParse({ queue: { strategy: { name } } }).success;
}

/** Runs `command` with `sh -c` in `cwd`; resolves to its exit code (output dropped). */
function runShell(command, cwd) {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd, stdio: 'ignore' });
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code ?? -1));
  });
}

/** Nearest-rank percentile of `values` (0..100); null when empty. */
function percentile(values, rank) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1)];
}

const round = (value, digits = 2) => (value === null ? null : Number(value.toFixed(digits)));

/**
 * The check command: appends the commit being checked (read from the worktree's HEAD with shell
 * builtins only, so the count costs no extra process) to `counterFile`, then runs the suite.
 */
function countingCheckCommand(counterFile) {
  return (
    `{ read -r gitdir < .git && read -r head < "\${gitdir#gitdir: }/HEAD"; } 2>/dev/null; ` +
    `printf '%s\\n' "\${head:-unknown}" >> '${counterFile}' && exec ${TEST_COMMAND}`
  );
}

/**
 * Re-runs the suite on every commit of the first-parent history from `start` to `tip` (every
 * tip the branch had is one of them: landings are compare-and-swaps of a child of the old tip),
 * two at a time in two detached worktrees; a tree already checked is not checked twice.
 */
async function verifyTips(repository, root, start, tip, treeVerdicts) {
  const log = await runGit(['log', '--first-parent', '--format=%H %T', `${start}..${tip}`], { cwd: root });
  const commits = log.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [commit, tree] = line.split(' ');
      return { commit, tree };
    });
  const ancestor = await runGit(['merge-base', '--is-ancestor', start, tip], {
    cwd: root,
    allowFailure: true,
  });
  const scratch = await mkdtemp(join(tmpdir(), 'hyperion-strategy-verify-'));
  const worktrees = [join(scratch, 'one'), join(scratch, 'two')];
  const failures = [];
  let checked = 0;
  try {
    for (const path of worktrees)
      await runGit(['worktree', 'add', '--detach', '--quiet', path, start], { cwd: root });
    const pending = [...commits];
    const verifier = async (path) => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        if (!treeVerdicts.has(next.tree)) {
          await runGit(['checkout', '--quiet', '--detach', next.commit], { cwd: path });
          checked += 1;
          treeVerdicts.set(next.tree, (await runShell(TEST_COMMAND, path)) === 0);
        }
        if (!treeVerdicts.get(next.tree)) failures.push(next.commit);
      }
    };
    await Promise.all(worktrees.map(verifier));
  } finally {
    for (const path of worktrees) await repository.removeWorktree(path).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
  return {
    commits: commits.length,
    trees_checked: checked,
    failures,
    descends_from_start: ancestor.exitCode === 0,
  };
}

/** `intervals` ([start, end] pairs) merged where they overlap, in order. */
function mergedIntervals(intervals) {
  const merged = [];
  for (const [start, end] of [...intervals].sort((left, right) => left[0] - right[0])) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Figures of one strategy run, read from the events, the entries, the counter file and git. */
function eventFigures(events, entries, kindOf, runStarted) {
  const byEntry = new Map();
  for (const event of events) {
    const list = byEntry.get(event.entry_id) ?? [];
    list.push(event);
    byEntry.set(event.entry_id, list);
  }
  const time = (event) => Date.parse(event.at);
  const latencies = [];
  const spans = [];
  const landings = [];
  let checkRunsOnConflicts = 0;
  for (const entry of entries) {
    const trail = byEntry.get(entry.id) ?? [];
    if (entry.state === 'conflicted') {
      checkRunsOnConflicts += trail.filter((event) => CHECK_EVENTS.has(event.type)).length;
    }
    if (entry.state !== 'landed') continue;
    const landed = trail.findLast(
      (event) => event.type === 'entry:landed' || event.type === 'entry:already_landed',
    );
    const enqueued = trail.find((event) => event.type === 'entry:enqueued');
    if (landed === undefined || enqueued === undefined) continue;
    latencies.push((time(landed) - Math.max(time(enqueued), runStarted)) / 1000);
    const leaseIndex = trail.findLastIndex((event) => event.type === 'entry:leased' && event.id < landed.id);
    if (leaseIndex === -1) continue;
    const span = trail.slice(leaseIndex).filter((event) => event.id <= landed.id);
    let checkMs = 0;
    for (const event of span) {
      if (event.type === 'check:passed' || event.type === 'check:failed') {
        checkMs += Number(event.data.duration_ms ?? 0);
      }
      if (event.type === 'check:flaked') {
        for (const run of event.data.failed_runs ?? []) checkMs += Number(run.duration_ms ?? 0);
      }
    }
    spans.push(time(landed) - time(trail[leaseIndex]) - checkMs);
    landings.push({ at: time(landed), id: landed.id });
  }
  // The cost on the critical path: between two landings, the time during which no check ran at
  // all (of any entry: a failing or bisecting run is check time too). A check that ran while the
  // previous entry was still being checked (speculation, a batch) hides its own build and landing;
  // what is left is the time the branch waited on the queue's own work.
  const checking = mergedIntervals(
    events.flatMap((event) => {
      if (event.type === 'check:passed' || event.type === 'check:failed') {
        return [[time(event) - Number(event.data.duration_ms ?? 0), time(event)]];
      }
      return [];
    }),
  );
  landings.sort((left, right) => left.at - right.at || left.id - right.id);
  const overheads = landings.map((landing, index) => {
    const from = index === 0 ? runStarted : landings[index - 1].at;
    const to = Math.max(from, landing.at);
    let covered = 0;
    for (const [start, end] of checking) covered += Math.max(0, Math.min(end, to) - Math.max(start, from));
    return to - from - covered;
  });
  const states = {};
  const outcomeMismatches = [];
  for (const entry of entries) {
    states[entry.state] = (states[entry.state] ?? 0) + 1;
    const kind = kindOf.get(entry.task_id)?.kind;
    const expected = { independent: 'landed', broken: 'quarantined', textual: 'conflicted' }[kind];
    if (expected !== undefined && entry.state !== expected) {
      outcomeMismatches.push({ task: entry.task_id, kind, state: entry.state, error: entry.last_error });
    }
  }
  const checkEvents = events.filter(
    (event) => event.type === 'check:passed' || event.type === 'check:failed',
  );

  // Batches, as the batching strategies record them (none before those exist).
  const batchSizes = new Map();
  for (const event of events) {
    if (event.type === 'batch:formed')
      batchSizes.set(event.data.batch?.id, Number(event.data.batch?.size ?? 0));
  }
  const bisected = new Set(
    events.filter((event) => event.type === 'batch:bisected').map((event) => event.data.batch?.id),
  );
  const sizes = [...batchSizes.values()];
  const batches = {
    formed: sizes.length,
    mean_size: sizes.length === 0 ? null : round(sizes.reduce((sum, size) => sum + size, 0) / sizes.length),
    max_size: sizes.length === 0 ? null : Math.max(...sizes),
    bisected: bisected.size,
    returned: events.filter((event) => event.type === 'entry:batch_returned').length,
  };
  return {
    states,
    latencies,
    overheads,
    spans,
    checkRunsOnConflicts,
    outcomeMismatches,
    checkEvents: checkEvents.length,
    batches,
    medianCheckMs: percentile(
      checkEvents.map((event) => Number(event.data.duration_ms ?? 0)),
      50,
    ),
  };
}

/** Whether both halves of semantic pair `pair` are in `tip`'s tree. */
async function bothHalvesIn(root, tip, pair) {
  const show = async (path) => (await runGit(['show', `${tip}:${path}`], { cwd: root })).stdout;
  const renamed = (await show(`src/pair${pair}/a.mjs`)).includes(`MAX_${pair}`);
  const used = (await show(`src/pair${pair}/b.mjs`)).includes(`import { LIMIT_${pair} }`);
  return renamed && used;
}

/** One strategy (or, `strategy` null, the queue's built-in behaviour) on one workload. */
async function runStrategy(settings, workload, strategy, treeVerdicts) {
  const temporary = await createTemporaryRepository({ files: workload.files });
  const scratch = await mkdtemp(join(tmpdir(), 'hyperion-strategy-bench-'));
  const counterFile = join(scratch, 'check-runs.log');
  await writeFile(counterFile, '');
  const store = SqliteStore.open(join(scratch, 'hyperion.db'), { create: true });
  try {
    const start = await temporary.repository.requireBranch('main');
    const config = HyperionConfigSchema.parse(
      configInput(settings, countingCheckCommand(counterFile), strategy),
    );
    const queue = new MergeQueue({
      store,
      repository: temporary.repository,
      config,
      worktreesDirectory: join(scratch, 'worktrees'),
    });
    const submitStarted = performance.now();
    const kindOf = new Map();
    for (const change of workload.changes) {
      kindOf.set(change.request.task_id, change);
      await queue.submitChecked({ ...change.request, base_commit: start });
    }
    const submitSeconds = (performance.now() - submitStarted) / 1000;
    const runStarted = Date.now();
    const started = performance.now();
    const gitCommands = [];
    if (settings.gitLogDirectory !== undefined)
      observeGitCommands(({ args, durationMs }) =>
        gitCommands.push({
          at_ms: Math.round(performance.now() - started),
          ms: Math.round(durationMs),
          command: args.slice(0, 2),
        }),
      );
    const summary = await queue.runWorkers({ mode: 'drain' }).finally(() => observeGitCommands(undefined));
    const wallSeconds = (performance.now() - started) / 1000;
    if (settings.gitLogDirectory !== undefined) {
      await mkdir(settings.gitLogDirectory, { recursive: true });
      await writeFile(
        join(settings.gitLogDirectory, `${workload.mix.failure_rate}-${strategy ?? 'current'}-git.json`),
        JSON.stringify({
          run_started_ms: Date.now() - Math.round(performance.now() - started),
          commands: gitCommands,
        }),
      );
    }
    const tip = await temporary.repository.requireBranch('main');
    const events = await store.listEvents();
    const entries = await store.listEntries();
    const figures = eventFigures(events, entries, kindOf, runStarted);
    if (settings.eventsDirectory !== undefined) {
      await mkdir(settings.eventsDirectory, { recursive: true });
      await writeFile(
        join(settings.eventsDirectory, `${workload.mix.failure_rate}-${strategy ?? 'current'}.json`),
        JSON.stringify({ run_started: runStarted, entries, events }),
      );
    }
    const runs = (await readFile(counterFile, 'utf8')).split('\n').filter((line) => line !== '');
    // Commits checked by the counting command that belong to a conflicted entry: must be none.
    const conflictedIds = new Set(
      entries.filter((entry) => entry.state === 'conflicted').map((entry) => entry.id),
    );
    const conflictedCommits = new Set(
      events
        .filter((event) => event.type === 'entry:committed' && conflictedIds.has(event.entry_id))
        .map((event) => event.data.commit),
    );
    const verifyStarted = performance.now();
    const verification = await verifyTips(temporary.repository, temporary.root, start, tip, treeVerdicts);
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    const pairs = workload.mix.semantic_pairs;
    let pairsBothLanded = 0;
    for (let pair = 0; pair < pairs; pair += 1)
      if (await bothHalvesIn(temporary.root, tip, pair)) pairsBothLanded += 1;
    const landed = figures.states.landed ?? 0;
    const textual = workload.changes.filter((change) => change.kind === 'textual');
    const textualConflicted = textual.filter(
      (change) => entries.find((entry) => entry.task_id === change.request.task_id)?.state === 'conflicted',
    ).length;
    return {
      wall_s: round(wallSeconds),
      check_runs: runs.length,
      check_runs_per_landed: landed === 0 ? null : round(runs.length / landed, 3),
      landed,
      quarantined: figures.states.quarantined ?? 0,
      conflicted: figures.states.conflicted ?? 0,
      p50_latency_s: round(percentile(figures.latencies, 50)),
      p95_latency_s: round(percentile(figures.latencies, 95)),
      green_tips_verified: verification.failures.length === 0 && verification.descends_from_start,
      // The time the branch waited on the queue's own work (no check running), shared out over the
      // changes landed: a batch landing eight changes at once costs each an eighth of its gap.
      overhead_ms_per_change:
        landed === 0 ? null : round(figures.overheads.reduce((sum, gap) => sum + gap, 0) / landed, 1),
      overhead_median_gap_ms: round(percentile(figures.overheads, 50), 1),
      span_outside_checks_ms: round(percentile(figures.spans, 50), 1),
      throughput_per_s: round(landed / wallSeconds, 3),
      median_check_ms: figures.medianCheckMs,
      check_events: figures.checkEvents,
      batches: figures.batches,
      race_lost: events.filter((event) => event.type === 'entry:race_lost').length,
      check_runs_on_textual_conflicts:
        figures.checkRunsOnConflicts + runs.filter((commit) => conflictedCommits.has(commit)).length,
      textual_conflicts_conflicted: `${textualConflicted}/${textual.length}`,
      semantic_pairs_caught: `${pairs - pairsBothLanded}/${pairs}`,
      tips: {
        commits: verification.commits,
        trees_checked: verification.trees_checked,
        failing: verification.failures.slice(0, 5),
        descends_from_start: verification.descends_from_start,
      },
      landed_matches_git: verification.commits === landed,
      outcome_mismatches: figures.outcomeMismatches.length,
      outcome_mismatch_examples: figures.outcomeMismatches.slice(0, 3),
      other_states: Object.fromEntries(
        Object.entries(figures.states).filter(
          ([state]) => !['landed', 'quarantined', 'conflicted'].includes(state),
        ),
      ),
      run_summary: summary,
      phase_s: { submit: round(submitSeconds), run: round(wallSeconds), verify: round(verifySeconds) },
    };
  } finally {
    await store.close();
    await temporary.cleanup();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Median seconds of three runs of the suite on the start commit (and that it passes). */
async function measureCheck(files) {
  const temporary = await createTemporaryRepository({ files });
  try {
    const seconds = [];
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      const code = await runShell(TEST_COMMAND, temporary.root);
      seconds.push((performance.now() - started) / 1000);
      if (code !== 0) throw new Error(`the fixture's suite fails on its start commit (exit ${code})`);
    }
    return round(percentile(seconds, 50), 3);
  } finally {
    await temporary.cleanup();
  }
}

function printTable(log, title, strategies) {
  const columns = [
    ['strategy', (name) => name],
    ['wall_s', (_, row) => row.wall_s],
    ['landed/s', (_, row) => row.throughput_per_s],
    ['checks', (_, row) => row.check_runs],
    ['checks/landed', (_, row) => row.check_runs_per_landed],
    ['landed', (_, row) => row.landed],
    ['quar', (_, row) => row.quarantined],
    ['confl', (_, row) => row.conflicted],
    ['p50_s', (_, row) => row.p50_latency_s],
    ['p95_s', (_, row) => row.p95_latency_s],
    ['green', (_, row) => row.green_tips_verified],
    ['ovh_ms', (_, row) => row.overhead_ms_per_change],
    ['span_ms', (_, row) => row.span_outside_checks_ms],
    ['sem', (_, row) => row.semantic_pairs_caught],
    ['chk_on_confl', (_, row) => row.check_runs_on_textual_conflicts],
    ['mach_s', (_, row) => row.machine_check_s],
  ];
  const rows = Object.entries(strategies).map(([name, row]) =>
    row.skipped === undefined
      ? columns.map(([, cell]) => String(cell(name, row)))
      : [name, `skipped: ${row.skipped}`],
  );
  const widths = columns.map(([header], index) =>
    Math.max(header.length, ...rows.filter((row) => row.length > 2).map((row) => row[index].length)),
  );
  log(title);
  log(`  ${columns.map(([header], index) => header.padEnd(widths[index])).join('  ')}`);
  for (const row of rows)
    log(`  ${row.map((cell, index) => (row.length > 2 ? cell.padEnd(widths[index]) : cell)).join('  ')}`);
}

/** The targets, read as ratios from this run; `met` null when a side was not measured. */
function targetsOf(defaultName, headline, highFailure) {
  const ratio = (left, right) => (left == null || right == null || right === 0 ? null : left / right);
  const chosen = headline[defaultName];
  const serial = headline.serial;
  const ran = (row) => row !== undefined && row.skipped === undefined;
  const targets = {};
  const add = (name, value, limit, comparison) => {
    targets[name] = {
      value: value === null ? null : round(value, 3),
      target: `${comparison} ${limit}`,
      met: value === null ? null : comparison === '>=' ? value >= limit : value <= limit,
    };
  };
  const both = ran(chosen) && ran(serial) && defaultName !== 'serial';
  add('throughput_vs_serial', both ? ratio(chosen.throughput_per_s, serial.throughput_per_s) : null, 4, '>=');
  // The same ratios with each side's drain time scaled to the machine's speed around it (the
  // check alone, `machine_check_s`): a drain that ran while the machine was slower is not
  // counted against its strategy. Printed beside the raw ratios, which the targets are read on.
  const speed =
    both && chosen.machine_check_s > 0 && serial.machine_check_s > 0
      ? chosen.machine_check_s / serial.machine_check_s
      : null;
  targets.speed_adjusted = {
    machine_check_s: both ? { [defaultName]: chosen.machine_check_s, serial: serial.machine_check_s } : null,
    throughput_vs_serial:
      speed === null ? null : round(ratio(chosen.throughput_per_s, serial.throughput_per_s) * speed, 3),
    p95_latency_vs_serial:
      speed === null ? null : round(ratio(chosen.p95_latency_s, serial.p95_latency_s) / speed, 3),
    // How much slower a check ran beside others than alone, in this run: the default's median
    // check against serial's (which runs one at a time). 1 where two checks at once cost the
    // machine nothing; where its cores slow each other down, every parallel strategy gains that
    // much less over serial.
    parallel_check_slowdown: both ? round(ratio(chosen.median_check_ms, serial.median_check_ms), 3) : null,
  };
  add('check_runs_per_landed', ran(chosen) ? chosen.check_runs_per_landed : null, 0.5, '<=');
  add('p95_latency_vs_serial', both ? ratio(chosen.p95_latency_s, serial.p95_latency_s) : null, 1 / 3, '<=');
  const highChosen = highFailure?.[defaultName];
  const highSerial = highFailure?.serial;
  add(
    'high_failure_check_runs_vs_serial',
    ran(highChosen) && ran(highSerial) && defaultName !== 'serial'
      ? ratio(highChosen.check_runs, highSerial.check_runs)
      : null,
    1.1,
    '<=',
  );
  const all = [headline, highFailure ?? {}].flatMap((table) => Object.values(table)).filter(ran);
  targets.zero_checks_on_textual_conflicts = {
    met: all.length === 0 ? null : all.every((row) => row.check_runs_on_textual_conflicts === 0),
  };
  targets.semantic_conflicts_caught = {
    met:
      all.length === 0
        ? null
        : all.every(
            (row) => row.semantic_pairs_caught.split('/')[0] === row.semantic_pairs_caught.split('/')[1],
          ),
  };
  targets.green_tips_verified = {
    met: all.length === 0 ? null : all.every((row) => row.green_tips_verified),
  };
  add('overhead_ms_per_change', ran(chosen) ? chosen.overhead_ms_per_change : null, 25, '<=');
  return targets;
}

/**
 * Runs the section: for each failure rate, every supported strategy on the same workload.
 * Returns `{ default, workload, strategies, high_failure, strategy_targets }`: `strategies` is the
 * first (headline, about 5%) failure rate, `high_failure` the second (about 40%).
 */
export async function strategyBench({ quick = false, log = console.log } = {}) {
  const settings = settingsFor(quick);
  const defaults = HyperionConfigSchema.parse({});
  const builtInDefault = defaults.queue.strategy?.name;
  const supported = settings.names.filter(strategySupported);
  // Before the strategy config exists, the queue as it is runs under the name `current`.
  const plan = supported.length > 0 ? supported : [null];
  const defaultName = builtInDefault ?? 'current';
  const results = [];
  for (const failureRate of settings.failureRates) {
    const workload = generateWorkload({
      seed: settings.seed,
      changes: settings.changes,
      failureRate,
      workUnits: settings.workUnits,
    });
    const checkSeconds = await measureCheck(workload.files);
    const description = {
      seed: settings.seed,
      quick,
      failure_rate: failureRate,
      ...workload.mix,
      expected_landed: workload.mix.independent + workload.mix.semantic_pairs,
      check: TEST_COMMAND,
      check_s: checkSeconds,
      workers: settings.workers,
      max_attempts: settings.maxAttempts,
      // Strategy settings the environment overrode ('default': the queue's own).
      strategy_settings: {
        max_batch: 'default',
        bisect_concurrency: 'default',
        culprit_hints: 'default',
        ...settings.strategyOverrides,
      },
      submitted: 'all before the workers start (submitChecked, base_commit = the start commit)',
    };
    const strategies = {};
    for (const name of settings.names) {
      if (!supported.includes(name))
        strategies[name] = { skipped: 'this build has no queue.strategy.name ' + name };
    }
    const treeVerdicts = new Map();
    for (const strategy of plan) {
      const name = strategy ?? 'current';
      log(`strategies: ${name} on ${settings.changes} changes at ${failureRate} failure…`);
      // The machine's speed around this strategy's drain: the check alone on the start commit,
      // before and after (the machines are shared; their speed drifts between strategies).
      const before = await measureCheck(workload.files);
      const row = await runStrategy(settings, workload, strategy, treeVerdicts);
      const after = await measureCheck(workload.files);
      strategies[name] = { ...row, machine_check_s: round((before + after) / 2, 3) };
    }
    results.push({ workload: description, strategies });
    printTable(
      log,
      `strategies, ${settings.changes} changes (${workload.mix.broken} broken, ${workload.mix.textual} textual conflicts, ${workload.mix.semantic_pairs} semantic pairs), check ${checkSeconds} s, ${settings.workers} workers:`,
      strategies,
    );
  }
  const [headline, high, ...more] = results;
  return {
    default: defaultName,
    workload: headline.workload,
    strategies: headline.strategies,
    ...(high === undefined ? {} : { high_failure: high }),
    ...(more.length === 0 ? {} : { more_failure_rates: more }),
    strategy_targets: targetsOf(defaultName, headline.strategies, high?.strategies),
  };
}
