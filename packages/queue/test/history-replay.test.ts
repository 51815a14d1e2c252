import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  createTemporaryRepository,
  parsePatch,
  runGit,
  splitPatch,
  type TemporaryRepository,
} from '@hyperion/git';
import type { ChangeRequest } from '@hyperion/schema';
import { SqliteStore, compareWithLive } from '@hyperion/store';
import { MergeQueue } from '../src/index.js';
import { testConfig } from '../src/testing/queue-fixture.js';

/** This repository's own first-parent history, as a committed bundle (scripts/make-history-fixture.sh). */
const BUNDLE = new URL('./fixtures/history/hyperion-history.bundle', import.meta.url).pathname;
/** How many consecutive commits are replayed (SPEC §4 asks for at least 50). */
const COMMITS = 50;

let source: TemporaryRepository;
let target: TemporaryRepository;
let store: SqliteStore;
let chain: string[];

/** A real commit's changes, one file change per path, as a change request with no base commit. */
async function changeOf(commit: string, parent: string, index: number): Promise<ChangeRequest> {
  const diff = await runGit(
    ['diff', '--binary', '--full-index', '--no-renames', '--no-color', parent, commit, '--'],
    { cwd: source.root },
  );
  const subject = await runGit(['log', '-1', '--format=%s', commit], { cwd: source.root });
  return {
    task_id: `history-${String(index).padStart(3, '0')}`,
    agent: 'history-replay',
    summary: subject.stdout.trim().slice(0, 100),
    changes: splitPatch(diff.stdout).map((part) => ({
      path: part.path,
      operation: parsePatch(part.patch)[0]?.operation ?? 'update',
      patch: part.patch,
    })),
  };
}

beforeAll(async () => {
  source = await createTemporaryRepository();
  await runGit(['fetch', '--quiet', BUNDLE, 'refs/heads/main:refs/heads/history'], { cwd: source.root });
  const log = await runGit(['rev-list', '--first-parent', '--reverse', 'history'], { cwd: source.root });
  const commits = log.stdout.trim().split('\n');
  expect(commits.length, 'the fixture holds too few commits').toBeGreaterThan(COMMITS);
  chain = commits.slice(-(COMMITS + 1));
  // The branch starts at the tree of the commit before the replayed ones; nothing else is shared.
  target = await createTemporaryRepository();
  await runGit(['fetch', '--quiet', source.root, 'history'], { cwd: target.root });
  await runGit(['read-tree', '-u', '--reset', chain[0]!], { cwd: target.root });
  await runGit(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'import'], {
    cwd: target.root,
  });
  store = SqliteStore.open(join(target.root, '.hyperion', 'hyperion.db'), { create: true });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await target?.cleanup();
  await source?.cleanup();
});

describe(`replaying ${COMMITS} consecutive commits of a real history, all submitted before any lands`, () => {
  it('accepts every commit stacked on the ones before it, lands them all in order, and ends on the real tree', async () => {
    const queue = new MergeQueue({
      store,
      repository: target.repository,
      config: testConfig({
        workers: 3,
        queue: { max_patch_bytes: 20_000_000, allow_binary: true },
        policy: {
          risk_paths: [],
          max_changed_lines: 1_000_000,
          deletions_need_approval: false,
          binary_needs_approval: false,
        },
      }),
      worktreesDirectory: join(target.root, '.hyperion', 'worktrees'),
    });
    const ids: string[] = [];
    for (let index = 1; index < chain.length; index += 1) {
      const entry = await queue.submitChecked(await changeOf(chain[index]!, chain[index - 1]!, index));
      ids.push(entry.id);
    }
    expect(await store.countByState()).toEqual({ queued: COMMITS });
    const entries = new Map((await store.listEntries()).map((entry) => [entry.id, entry]));
    expect(
      ids.filter((id) => entries.get(id)!.depends_on.length > 0).length,
      'no submission was stacked: the history does not exercise stacking',
    ).toBeGreaterThan(10);
    const summary = await queue.runWorkers({ mode: 'drain' });
    const retries = (await store.listEvents())
      .filter((event) => event.type === 'entry:retry_scheduled')
      .map((event) => `${event.entry_id}: ${String(event.data['reason'])}`);
    expect(retries, 'attempts that failed on the way').toEqual([]);
    // Candidates are built one after another in the board's build turns, so none is started on a
    // base another one already took: with nothing failing, no landing race is ever lost.
    const racesLost = (await store.listEvents()).filter((event) => event.type === 'entry:race_lost');
    expect(
      racesLost.map((event) => event.entry_id),
      'landing races lost',
    ).toEqual([]);
    expect(summary).toEqual({ landed: COMMITS });
    // Entries on disjoint files may land in any order; on a common file, in submission order.
    const landedAt = new Map(
      (await store.listEvents())
        .filter((event) => event.type === 'entry:landed')
        .map((event) => [event.entry_id, event.id]),
    );
    ids.forEach((later, laterIndex) => {
      const laterPaths = new Set(entries.get(later)!.paths);
      for (const earlier of ids.slice(0, laterIndex)) {
        if (!entries.get(earlier)!.paths.some((path) => laterPaths.has(path))) continue;
        expect(landedAt.get(earlier)!, `${earlier} landed after ${later}`).toBeLessThan(landedAt.get(later)!);
      }
    });
    const landedTree = await runGit(['rev-parse', 'main^{tree}'], { cwd: target.root });
    const realTree = await runGit(['rev-parse', `${chain.at(-1)!}^{tree}`], { cwd: target.root });
    expect(landedTree.stdout.trim()).toBe(realTree.stdout.trim());
    expect(await compareWithLive(store)).toEqual([]);
  }, 300_000);
});
