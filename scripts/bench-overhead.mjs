// The per-change cost outside the checks (issue 10): N changes on distinct files, a no-op check
// (`true`), drained by 1 worker and then by 3 workers of one process. Reports landed changes per
// second for each and their ratio, the median overhead per landed change read from the event log
// (from its last `entry:leased` to its `entry:landed`, minus the `duration_ms` of the check events
// in between), and where the time goes: git processes spawned and store calls per landed change.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTemporaryRepository, observeGitCommands, runGit } from '@hyperion/git';
import { HyperionConfigSchema } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { MergeQueue } from '@hyperion/queue';

const CHECK_EVENTS = new Set(['check:passed', 'check:failed', 'check:flaked']);

function changeFor(index) {
  const path = `files/file-${index}.txt`;
  return {
    task_id: `overhead-${index}`,
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

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round(value, digits = 2) {
  return value === null ? null : Number(value.toFixed(digits));
}

/** Per landed entry: time from its last `entry:leased` to `entry:landed`, minus its checks' durations. */
function overheadsFromEvents(events) {
  const byEntry = new Map();
  for (const event of events) {
    const list = byEntry.get(event.entry_id) ?? [];
    list.push(event);
    byEntry.set(event.entry_id, list);
  }
  const overheads = [];
  for (const list of byEntry.values()) {
    const landed = list.findLast((event) => event.type === 'entry:landed');
    if (landed === undefined) continue;
    const landedAt = list.indexOf(landed);
    let leasedAt = -1;
    for (let index = landedAt; index >= 0; index -= 1) {
      if (list[index].type === 'entry:leased') {
        leasedAt = index;
        break;
      }
    }
    if (leasedAt === -1) continue;
    const checks = list
      .slice(leasedAt, landedAt)
      .filter((event) => CHECK_EVENTS.has(event.type))
      .reduce((sum, event) => sum + Number(event.data.duration_ms ?? 0), 0);
    overheads.push(Date.parse(landed.at) - Date.parse(list[leasedAt].at) - checks);
  }
  return overheads;
}

/**
 * `store` seen through a proxy that counts the calls made on its methods from outside (each one a
 * round trip to the store; the calls it makes on itself are not counted).
 */
function countingStore(store) {
  const counts = {};
  const uncounted = new Set(['now', 'waitForChange', 'close', 'isOpen']);
  const proxy = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function' || typeof name !== 'string' || uncounted.has(name)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...parameters) => {
        counts[name] = (counts[name] ?? 0) + 1;
        return value.apply(target, parameters);
      };
    },
  });
  return { proxy, counts };
}

/** One drain of `entries` changes by `workers` workers; see {@link overhead}. */
export async function drain(entries, workers, { checkedOut }) {
  const files = {};
  for (let index = 0; index < entries; index += 1) files[`files/file-${index}.txt`] = `before ${index}\n`;
  const temporary = await createTemporaryRepository({ files });
  // Checked out (as in a person's clone), each landing also moves that working tree (git's
  // `updateInstead` rule: a cleanliness check and `read-tree -u -m`); detached, it is one `update-ref`.
  if (!checkedOut) await runGit(['checkout', '--quiet', '--detach'], { cwd: temporary.root });
  const store = SqliteStore.open(join(temporary.root, '.hyperion', 'hyperion.db'), { create: true });
  const gitCommands = {};
  let gitSpawns = 0;
  let gitMilliseconds = 0;
  try {
    const config = HyperionConfigSchema.parse({
      workers,
      checks: [{ name: 'ci', command: 'true' }],
      queue: { backoff_base_ms: 10 },
    });
    const { proxy, counts: storeCalls } = countingStore(store);
    const queue = new MergeQueue({
      store: proxy,
      repository: temporary.repository,
      config,
      worktreesDirectory: join(temporary.root, '.hyperion', 'worktrees'),
    });
    for (let index = 0; index < entries; index += 1) await queue.submit(changeFor(index));
    const firstEvent = (await store.listEvents()).at(-1)?.id ?? 0;
    for (const name of Object.keys(storeCalls)) delete storeCalls[name];
    observeGitCommands(({ args, durationMs }) => {
      const name = args.find((argument) => !argument.startsWith('-') && !argument.includes('=')) ?? '?';
      gitCommands[name] = (gitCommands[name] ?? 0) + 1;
      gitSpawns += 1;
      gitMilliseconds += durationMs;
    });
    const started = performance.now();
    const summary = await queue.runWorkers({ mode: 'drain' });
    const seconds = (performance.now() - started) / 1000;
    observeGitCommands(undefined);
    const landed = summary.landed ?? 0;
    if (landed !== entries) throw new Error(`expected ${entries} landed, got ${JSON.stringify(summary)}`);
    const events = await store.listEvents({ afterId: firstEvent });
    const totalStoreCalls = Object.values(storeCalls).reduce((sum, count) => sum + count, 0);
    return {
      seconds,
      landed,
      overheads: overheadsFromEvents(events),
      gitSpawns,
      gitMilliseconds,
      gitCommands,
      storeCalls: { ...storeCalls },
      // Compare-and-swaps that moved the branch: one per candidate (a batch lands at once).
      landings: new Set(
        events
          .filter((event) => event.type === 'entry:landed')
          .map((event) => event.data.batch?.head ?? event.entry_id),
      ).size,
      totalStoreCalls,
      events: events.length,
    };
  } finally {
    observeGitCommands(undefined);
    await store.close();
    await temporary.cleanup();
  }
}

function addCounts(total, counts) {
  for (const [name, count] of Object.entries(counts)) total[name] = (total[name] ?? 0) + count;
}

function sortedCounts(counts) {
  return Object.fromEntries(Object.entries(counts).sort((left, right) => right[1] - left[1]));
}

/** The figures of one configuration over all its rounds. */
function summarize(workers, checkedOut, runs) {
  const landed = runs.reduce((sum, run) => sum + run.landed, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const gitCommands = {};
  const storeCalls = {};
  for (const run of runs) {
    addCounts(gitCommands, run.gitCommands);
    addCounts(storeCalls, run.storeCalls);
  }
  const total = (field) => runs.reduce((sum, run) => sum + run[field], 0);
  return {
    workers,
    target_checked_out: checkedOut,
    landed,
    seconds: round(seconds, 3),
    landed_per_s: round(landed / seconds),
    // Wall time per landed change with a check that costs nothing: the queue's own cost, checks
    // included, as one worker or several share it out (the throughput view of the overhead).
    wall_ms_per_landed: round((seconds * 1000) / landed, 1),
    landings_per_change: round(total('landings') / landed),
    overhead_ms_median: round(median(runs.flatMap((run) => run.overheads)), 1),
    git_spawns_per_change: round(total('gitSpawns') / landed),
    git_ms_per_change: round(total('gitMilliseconds') / landed, 1),
    git_commands: sortedCounts(gitCommands),
    store_calls_per_change: round(total('totalStoreCalls') / landed),
    store_calls: sortedCounts(storeCalls),
    events_per_change: round(total('events') / landed),
  };
}

/**
 * Runs the `overhead` section: 1 worker and 3 workers, with the target branch checked out in the
 * main worktree and checked out nowhere, `rounds` times each, taking turns (the order alternates
 * every round) so that a change in the machine's load during the run hits every configuration
 * alike. Each drain has `entries / rounds` changes. Returns the figures and prints them.
 */
export async function overhead({ entries = 60, rounds = 3 } = {}) {
  const configurations = [
    { workers: 1, checkedOut: true },
    { workers: 3, checkedOut: true },
    { workers: 1, checkedOut: false },
    { workers: 3, checkedOut: false },
  ];
  const runs = configurations.map(() => []);
  const perRound = Math.max(1, Math.round(entries / rounds));
  for (let turn = 0; turn < rounds; turn += 1) {
    const order = configurations.map((_, index) => index);
    if (turn % 2 === 1) order.reverse();
    for (const index of order) {
      const { workers, checkedOut } = configurations[index];
      runs[index].push(await drain(perRound, workers, { checkedOut }));
    }
  }
  const [one, three, oneDetached, threeDetached] = configurations.map(({ workers, checkedOut }, index) =>
    summarize(workers, checkedOut, runs[index]),
  );
  const result = {
    entries: perRound * rounds,
    rounds,
    check: 'true',
    one_worker: one,
    three_workers: three,
    three_over_one: round(three.landed_per_s / one.landed_per_s),
    overhead_ms_per_change: one.overhead_ms_median,
    not_checked_out: {
      one_worker: oneDetached,
      three_workers: threeDetached,
      three_over_one: round(threeDetached.landed_per_s / oneDetached.landed_per_s),
      overhead_ms_per_change: oneDetached.overhead_ms_median,
    },
  };
  console.log(
    `per-change overhead, ${result.entries} changes on distinct files per configuration (${rounds} rounds, taking turns), check \`true\`:`,
  );
  for (const run of [one, three, oneDetached, threeDetached]) {
    console.log(
      `  ${run.workers} worker(s), target ${run.target_checked_out ? 'checked out' : 'not checked out'}: ` +
        `${run.landed_per_s} landed/s (${run.wall_ms_per_landed} ms of wall time per landed change, ${run.landings_per_change} landings per change), median overhead ${run.overhead_ms_median} ms, ` +
        `${run.git_spawns_per_change} git spawns (${run.git_ms_per_change} ms) and ${run.store_calls_per_change} store calls per change`,
    );
  }
  console.log(
    `  3 workers / 1: ${result.three_over_one}x checked out, ${result.not_checked_out.three_over_one}x not`,
  );
  console.log(`  git commands (1 worker, checked out): ${JSON.stringify(one.git_commands)}`);
  console.log(`  store calls (1 worker, checked out):  ${JSON.stringify(one.store_calls)}`);
  return result;
}
