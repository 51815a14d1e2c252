// The `startup` section of `pnpm bench`: how long a `hyperion` command takes from start to exit,
// against `node -e 0` timed in the same run (so a busy machine skews both sides alike).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The built CLI of this checkout. */
export const BUILT_CLI = fileURLToPath(new URL('../apps/cli/dist/bin.js', import.meta.url));

function run(args, cwd) {
  execFileSync(process.execPath, args, { cwd, stdio: 'ignore', env: { ...process.env, HYPERION_LOG: '' } });
}

function git(args, cwd) {
  execFileSync('git', args, { cwd, stdio: 'ignore' });
}

/** A git repository with one commit on main, initialized by `cli` (`hyperion init`). */
function initializedRepository(cli) {
  const root = mkdtempSync(join(tmpdir(), 'hyperion-bench-startup-'));
  git(['init', '--quiet', '-b', 'main'], root);
  writeFileSync(join(root, 'README.md'), 'bench\n');
  git(['add', '-A'], root);
  git(
    ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '--quiet', '-m', 'init'],
    root,
  );
  run([cli, 'init'], root);
  return root;
}

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds of each command (median of `runs`), the commands timed in turn, after a warm-up. */
function timeCommands(commands, runs, cwd) {
  const times = commands.map(() => []);
  for (const args of commands) run(args, cwd);
  for (let round = 0; round < runs; round += 1) {
    commands.forEach((args, index) => {
      const started = performance.now();
      run(args, cwd);
      times[index].push(performance.now() - started);
    });
  }
  return times.map((values) => Number(median(values).toFixed(1)));
}

/**
 * Times `node -e 0` and the built CLI's `queue list --json`, `requests --json` and `--help` on an
 * initialized temporary repository, each the median of `runs` runs after one warm-up run, in one
 * run; `ratio` is `queue_list_ms / node_ms` (the target: 3 at most). With `baselineCli` (another
 * build's `apps/cli/dist/bin.js`) that build's `queue list --json` is timed in the same rounds.
 */
export async function startup({ runs = 10, cli = BUILT_CLI, baselineCli } = {}) {
  const root = initializedRepository(cli);
  try {
    const commands = [
      ['-e', '0'],
      [cli, 'queue', 'list', '--json'],
      [cli, 'requests', '--json'],
      [cli, '--help'],
      ...(baselineCli === undefined ? [] : [[baselineCli, 'queue', 'list', '--json']]),
    ];
    const [nodeMs, queueListMs, requestsMs, helpMs, baselineMs] = timeCommands(commands, runs, root);
    return {
      runs,
      node_ms: nodeMs,
      queue_list_ms: queueListMs,
      ratio: Number((queueListMs / nodeMs).toFixed(2)),
      requests_ms: requestsMs,
      help_ms: helpMs,
      help_ratio: Number((helpMs / nodeMs).toFixed(2)),
      ...(baselineMs === undefined
        ? {}
        : {
            baseline: {
              cli: baselineCli,
              queue_list_ms: baselineMs,
              ratio: Number((baselineMs / nodeMs).toFixed(2)),
            },
          }),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
