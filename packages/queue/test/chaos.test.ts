import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRepository, runGit } from '@hyperion/git';
import { SqliteStore, compareWithLive, type HyperionStore } from '@hyperion/store';
import { loadConfig, MergeQueue } from '../src/index.js';
import { firstParentHistory, lockFiles, reflogTips } from './fixtures/branch-history.js';
import { runChaos, type ChaosReport } from './fixtures/chaos-driver.js';
import {
  CHAOS_CHECK,
  createChaosRepository,
  CHAOS_WORKER,
  DEFAULT_CHAOS_MIX,
  type ChaosMix,
  type ChaosRepository,
} from './fixtures/chaos-repository.js';
import { postgresChaosStore, SQLITE_CHAOS_STORE, type ChaosStore } from './fixtures/chaos-store.js';
import { seededRandom } from './fixtures/seeded-random.js';
import { startPostgresServer, type PostgresTestServer } from '../../../test-support/postgres-server.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const seed = Number(process.env['HYPERION_CHAOS_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

/** Names the seed in every failure, so the run can be replayed with HYPERION_CHAOS_SEED. */
const withSeed = (message: string): string => `${message} (replay with HYPERION_CHAOS_SEED=${seed})`;

beforeAll(() => {
  // The workers are real processes running the built queue, so the fault points must be in dist
  // (`pnpm test` builds everything first and says so; a second build could race other projects).
  if (process.env['HYPERION_TEST_BUILT'] !== '1')
    execFileSync(
      'pnpm',
      ['exec', 'turbo', 'run', 'build', '--filter=@hyperion/queue...', '--output-logs=errors-only'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
}, 300_000);

let postgres: PostgresTestServer | undefined;

/** A fresh PostgreSQL database; the server starts with the first PostgreSQL run. */
async function freshPostgresStore(): Promise<ChaosStore> {
  postgres ??= await startPostgresServer();
  return postgresChaosStore(await postgres.createDatabase('chaos'));
}

afterAll(async () => {
  await postgres?.stop();
});

/** One chaos run: how the queue is filled and how the worker processes are killed. */
interface ChaosScenario {
  title: string;
  /** The store the queue lives in (the repository's SQLite file, or a PostgreSQL database). */
  store: () => Promise<ChaosStore>;
  mix: ChaosMix;
  processes: number;
  workersPerProcess: number;
  /** Kills at random moments and in the fault windows (the first few processes). */
  kills: number;
  /** Kills of one live process every few seconds, until the queue drained. */
  periodicKills?: { minMs: number; maxMs: number };
  /** Fewest kills the run must have delivered for its verdict to mean something. */
  minimumKills: number;
  /** The workers must have formed batches of several entries (and kills must have hit them). */
  batches?: boolean;
}

function describeChaos(scenario: ChaosScenario): void {
  let chaos: ChaosRepository | undefined;
  let report: ChaosReport | undefined;
  let store: HyperionStore | undefined;

  describe(`chaos: ${scenario.title} (seed ${seed})`, () => {
    beforeAll(async () => {
      const random = seededRandom(seed);
      const chaosStore = await scenario.store();
      chaos = await createChaosRepository(random, scenario.mix, chaosStore);
      const paths = chaos.paths;
      report = await runChaos({
        workerScript: CHAOS_WORKER,
        root: chaos.temporary.root,
        openStore: () => chaosStore.open(paths),
        workerEnvironment: chaosStore.workerEnvironment,
        random,
        processes: scenario.processes,
        workersPerProcess: scenario.workersPerProcess,
        kills: scenario.kills,
        periodicKills: scenario.periodicKills,
        deadlineMs: 240_000,
      });
      store = await chaosStore.open(paths);
      const events = await store.listEvents();
      const count = (predicate: (type: string, data: Record<string, unknown>) => boolean): number =>
        events.filter((event) => predicate(event.type, event.data)).length;
      console.log(
        `chaos (${scenario.title}) seed=${seed} entries=${(await store.listEntries()).length} processes=${report.spawned} ` +
          `kills=${report.kills.length} (${[
            'after-apply',
            'before-checks',
            'after-ref-update',
            'random',
            'periodic',
          ]
            .map((window) => `${window}: ${report!.kills.filter((kill) => kill.window === window).length}`)
            .join(
              ', ',
            )}) duration=${report.durationMs} ms states=${JSON.stringify(await store.countByState())} ` +
          `lease_expired=${count((type) => type === 'entry:lease_expired')} race_lost=${count((type) => type === 'entry:race_lost')} ` +
          `three_way=${count((type, data) => type === 'entry:applied' && data['mode'] === 'three-way')} ` +
          `already_landed=${count((type) => type === 'entry:already_landed')}`,
      );
    }, 300_000);

    afterAll(async () => {
      await store?.close();
      if (process.env['HYPERION_CHAOS_KEEP'] === '1') console.log(`kept ${chaos?.temporary.root}`);
      else await chaos?.temporary.cleanup();
    });

    it('delivered its kills and no worker failed on its own', () => {
      expect(report!.failures, withSeed('worker processes failed')).toEqual([]);
      expect(report!.kills.length, withSeed('too few kills')).toBeGreaterThanOrEqual(scenario.minimumKills);
      if (scenario.kills >= 12) {
        const windows = new Set(report!.kills.map((kill) => kill.window));
        for (const window of ['after-apply', 'before-checks', 'after-ref-update', 'random'] as const) {
          expect(windows.has(window), withSeed(`no kill in the ${window} window`)).toBe(true);
        }
      }
    });

    it('ends every entry in exactly one terminal state; every good change landed and none was quarantined for crashes', async () => {
      const entries = await store!.listEntries();
      const mix = scenario.mix;
      expect(entries.length).toBe(mix.ownFile + mix.sharedLine + mix.sameLines.length + mix.failing);
      for (const entry of entries) {
        expect(['landed', 'quarantined', 'conflicted'], withSeed(`${entry.id} is ${entry.state}`)).toContain(
          entry.state,
        );
        if (entry.state !== 'landed')
          expect(entry.last_error, withSeed(`${entry.id} has no reason`)).toBeTruthy();
        // Promise 9: dead workers never use up a change's attempts ("attempt 3/2" cannot happen).
        expect(entry.attempts, withSeed(`${entry.id} attempts`)).toBeLessThanOrEqual(entry.max_attempts);
      }
      for (const id of chaos!.entries.failing) {
        const entry = await store!.requireEntry(id);
        expect(entry.state, withSeed(id)).toBe('quarantined');
        expect(entry.last_error, withSeed(id)).toMatch(/check 'tree-ok' failed/);
      }
      // The whole reason is in the message, so a failure here can be diagnosed from CI's output.
      for (const id of chaos!.entries.ownFile) {
        const entry = await store!.requireEntry(id);
        expect(entry.state, withSeed(`${id} did not land: ${entry.last_error ?? ''}`)).toBe('landed');
      }
      // Two edits of the same line: never both landed.
      for (const id of chaos!.entries.sameLine) {
        const line = (await store!.requireEntry(id)).task_id.replace('same-', '');
        const states = await Promise.all(
          [id, ...(await store!.listEntries({ taskId: `shared-${line}` })).map((entry) => entry.id)].map(
            async (other) => (await store!.requireEntry(other)).state,
          ),
        );
        expect(
          states.filter((state) => state === 'landed').length,
          withSeed(`line ${line}`),
        ).toBeLessThanOrEqual(1);
      }
    });

    it('lands each change at most once, and every landed entry exactly once as its recorded commit', async () => {
      const history = await firstParentHistory(chaos!.temporary.root, 'main');
      const landedAs = new Map<string, string[]>();
      for (const { commit, changes } of history) {
        for (const change of changes) landedAs.set(change, [...(landedAs.get(change) ?? []), commit]);
      }
      for (const [change, commits] of landedAs) {
        expect(commits, withSeed(`${change} landed ${commits.length} times`)).toHaveLength(1);
        const entry = await store!.requireEntry(change);
        expect(entry.state, withSeed(`${change} is on main but ${entry.state}`)).toBe('landed');
        expect(entry.landed_commit, withSeed(change)).toBe(commits[0]);
      }
      for (const entry of await store!.listEntries({ states: ['landed'] })) {
        expect(landedAs.has(entry.id), withSeed(`${entry.id} is landed but not on main`)).toBe(true);
      }
    });

    it('only ever moved main forward to trees that pass the check', async () => {
      const root = chaos!.temporary.root;
      const history = await firstParentHistory(root, 'main');
      const tips = await reflogTips(root, 'main');
      // A batch lands several commits with one ref move, so the commits between two tips are on
      // the first-parent history without ever having been the tip; every tip is on it, in order.
      const order = history.map((item) => item.commit);
      const outside = tips.filter((tip) => !order.includes(tip));
      expect(outside, withSeed('the reflog holds a tip outside first-parent history')).toEqual([]);
      expect(tips.at(-1), withSeed('the last tip is the newest first-parent commit')).toBe(order[0]);
      const positions = tips.map((tip) => order.indexOf(tip));
      const backwards = positions.filter((position, index) => index > 0 && position >= positions[index - 1]!);
      expect(backwards, withSeed('a tip that did not move main forward')).toEqual([]);
      const verify = `${root}-verify`;
      const repository = await GitRepository.open(root);
      await repository.addWorktree(verify, chaos!.initialCommit);
      try {
        for (const tip of tips.filter((tip) => tip !== chaos!.initialCommit)) {
          await runGit(['checkout', '--quiet', '--force', '--detach', tip], { cwd: verify });
          const check = spawnSync('sh', ['-c', CHAOS_CHECK], { cwd: verify });
          expect(check.status, withSeed(`tip ${tip} fails the check`)).toBe(0);
        }
      } finally {
        await repository.removeWorktree(verify);
      }
    });

    it('keeps the store intact and leaves no stale worktree or lock once a worker starts again', async () => {
      if (store instanceof SqliteStore) expect(store.pragma('integrity_check')).toBe('ok');
      const repository = await GitRepository.open(chaos!.temporary.root);
      const queue = new MergeQueue({
        store: store!,
        repository,
        config: loadConfig(chaos!.paths),
        worktreesDirectory: chaos!.paths.worktreesDirectory,
      });
      await queue.reclaimStaleWorktrees();
      const worktrees = await repository.listWorktrees();
      expect(
        worktrees.map((worktree) => worktree.path),
        withSeed('stale worktrees'),
      ).toEqual([repository.root]);
      expect(await lockFiles(repository.gitDirectory), withSeed('stale locks')).toEqual([]);
    });

    if (scenario.batches === true) {
      it('formed batches, landed some with one ref move, and was killed while holding one', async () => {
        const events = await store!.listEvents();
        const formed = new Set(
          events
            .filter((event) => event.type === 'batch:formed')
            .map((event) => (event.data['batch'] as { id: string }).id),
        );
        expect(formed.size, withSeed('no batch formed')).toBeGreaterThan(0);
        const landedInBatch = events.filter(
          (event) => event.type === 'entry:landed' && 'batch' in event.data,
        );
        expect(landedInBatch.length, withSeed('no batch landed')).toBeGreaterThan(0);
        const tips = new Set(await reflogTips(chaos!.temporary.root, 'main'));
        const heads = new Set(landedInBatch.map((event) => (event.data['batch'] as { head: string }).head));
        for (const head of heads)
          expect(tips.has(head), withSeed(`batch head ${head} was never the tip`)).toBe(true);
        const batchedEntries = new Set(
          events.filter((event) => event.type === 'batch:formed').map((event) => event.entry_id),
        );
        const killedHolding = report!.kills.filter(
          (kill) => kill.entry !== null && batchedEntries.has(kill.entry),
        );
        expect(killedHolding.length, withSeed('no kill while a batch was held')).toBeGreaterThan(0);
      });
    }

    it('rebuilds the live queue state from the event log alone', async () => {
      expect(await compareWithLive(store!), withSeed('replay differs from the live state')).toEqual([]);
    });
  });
}

describeChaos({
  title: 'SIGKILLed worker processes in fault windows against a 100-entry queue',
  store: () => Promise.resolve(SQLITE_CHAOS_STORE),
  mix: DEFAULT_CHAOS_MIX,
  processes: Number(process.env['HYPERION_CHAOS_PROCESSES'] ?? 2),
  workersPerProcess: Number(process.env['HYPERION_CHAOS_WORKERS'] ?? 2),
  kills: Number(process.env['HYPERION_CHAOS_KILLS'] ?? 24),
  minimumKills: 12,
});

// Batches under SIGKILL: a worker killed between the compare-and-swap of a batch head and the
// store transitions of its entries leaves them running; the next lease finds each one's trailer
// on the branch (already_landed), so nothing is lost and nothing lands twice.
describeChaos({
  title: 'SIGKILLed worker processes holding batches (batch strategy, up to 6 entries)',
  store: () => Promise.resolve(SQLITE_CHAOS_STORE),
  mix: {
    ownFile: 36,
    sharedLine: 4,
    sameLines: [4],
    failing: 3,
    queue: { strategy: { name: 'batch', max_batch: 6 } },
  },
  processes: 2,
  workersPerProcess: 1,
  kills: 12,
  minimumKills: 8,
  batches: true,
});

// The drill of promise 9: the demo's two attempts, three worker processes, and one of them
// SIGKILLed every 1–4 s for as long as work remains. Good changes all land; none is quarantined.
// The serial strategy checks one change at a time, so draining takes at least one check per
// change (1 s each) however fast the machine: enough time for the kills the verdict needs. (A
// batching strategy drained it in a few seconds on a quiet machine, before eight kills came.)
describeChaos({
  title: 'one of three worker processes SIGKILLed every 1–4 s until the queue drained',
  store: () => Promise.resolve(SQLITE_CHAOS_STORE),
  mix: {
    ownFile: 30,
    sharedLine: 6,
    sameLines: [],
    failing: 2,
    queue: { max_attempts: 2, strategy: { name: 'serial' } },
    slowCheckSeconds: 1,
  },
  processes: 3,
  workersPerProcess: 1,
  kills: 0,
  periodicKills: { minMs: 1_000, maxMs: 4_000 },
  minimumKills: 8,
});

// The same promises on PostgreSQL: leases by FOR UPDATE SKIP LOCKED, wake-ups by LISTEN/NOTIFY.
// Fewer entries than on SQLite keep CI's time in check; the kills are as many.
describeChaos({
  title: 'PostgreSQL: SIGKILLed worker processes in fault windows against a 50-entry queue',
  store: freshPostgresStore,
  mix: { ownFile: 36, sharedLine: 8, sameLines: [4, 10], failing: 4 },
  processes: 2,
  workersPerProcess: 2,
  kills: 16,
  minimumKills: 12,
});

describeChaos({
  title: 'PostgreSQL: one of three worker processes SIGKILLed every 1–4 s until the queue drained',
  store: freshPostgresStore,
  mix: {
    ownFile: 16,
    sharedLine: 4,
    sameLines: [],
    failing: 2,
    queue: { max_attempts: 2, strategy: { name: 'serial' } },
    slowCheckSeconds: 1,
  },
  processes: 3,
  workersPerProcess: 1,
  kills: 0,
  periodicKills: { minMs: 1_000, maxMs: 4_000 },
  minimumKills: 5,
});
