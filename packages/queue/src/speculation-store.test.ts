import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, GitRepository, runGit } from '@hyperion/git';
import { SqliteStore } from '@hyperion/store';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';
import { objectStoreId } from './speculation-location.js';
import { StoreSpeculationBoard } from './speculation-store.js';
import { waitFor } from './testing/wait-for.js';

let fixture: QueueFixture | undefined;
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await fixture?.cleanup();
  fixture = undefined;
});

/** A fresh SQLite store with a clock the test moves. */
function storeWithClock(): { store: SqliteStore; clock: { now: number } } {
  const directory = temporaryDirectory('hyperion-board');
  const clock = { now: 1_700_000_000_000 };
  const store = SqliteStore.open(join(directory, 'hyperion.db'), { create: true, clock: () => clock.now });
  closers.push(() => store.close());
  return { store, clock };
}

describe('StoreSpeculationBoard across queues of one store (two processes)', () => {
  it("stacks a second process's change on the first process's candidate instead of racing it", async () => {
    const gate = join(temporaryDirectory('hyperion-gate'), 'verdict');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      config: {
        checks: [
          {
            name: 'gated',
            command: `grep -q A a.txt || exit 0; while [ ! -f ${gate} ]; do sleep 0.02; done; grep -q pass ${gate}`,
          },
        ],
        // One entry per candidate: the default would batch both changes into one candidate.
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 1 } },
      },
    });
    const tip = await fixture.temporary.repository.requireBranch('main');
    const first = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    const second = await fixture.queue.submit(
      changeRequest('T-b', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'B\n')),
    );
    // Each queue has its own store connection and its own default board: they share only the store.
    const firstWorker = fixture.queue.createWorker('first');
    const secondWorker = fixture.openAnotherQueue().createWorker('second');
    const committed = async (id: string) =>
      (await fixture!.store.listEvents({ entryId: id })).find((event) => event.type === 'entry:committed');
    const firstOutcome = firstWorker.processNext();
    await waitFor(async () => (await committed(first.id)) !== undefined);
    const secondOutcome = secondWorker.processNext();
    await waitFor(async () => (await committed(second.id)) !== undefined);
    const firstCommit = (await committed(first.id))!.data['commit'];
    expect((await committed(second.id))?.data).toMatchObject({ parent: firstCommit, speculative: true });
    // Written aside and renamed: a check polling for the file never reads it empty.
    writeFileSync(`${gate}.part`, 'pass');
    renameSync(`${gate}.part`, gate);
    expect(await Promise.all([firstOutcome, secondOutcome])).toEqual(['landed', 'landed']);
    await firstWorker.dispose();
    await secondWorker.dispose();
    const landedSecond = (await fixture.store.requireEntry(second.id)).landed_commit;
    const parent = await runGit(['rev-parse', `${landedSecond}^`], { cwd: fixture.temporary.root });
    expect(parent.stdout.trim()).toBe(firstCommit);
    expect(
      (
        await runGit(['rev-parse', `${firstCommit as string}^`], { cwd: fixture.temporary.root })
      ).stdout.trim(),
    ).toBe(tip);
    const types = (await fixture.store.listEvents()).map((event) => event.type);
    expect(types).not.toContain('entry:race_lost');
    // Withdrawn once landed: nothing is left in flight.
    expect(await fixture.store.listCandidates('main')).toEqual([]);
  });
});

describe('StoreSpeculationBoard', () => {
  it('builds only on candidates of its own object database whose commit is here', async () => {
    const { store } = storeWithClock();
    const present = new Set(['tip', 'c1']);
    const board = new StoreSpeculationBoard({
      store,
      targetBranch: 'main',
      location: 'here',
      hasCommit: (commit) => Promise.resolve(present.has(commit)),
    });
    const elsewhere = new StoreSpeculationBoard({ store, targetBranch: 'main', location: 'another-clone' });
    await elsewhere.publish({ commit: 'x1', parent: 'tip', entryIds: ['E0'], owner: 'far' });
    expect(await board.baseFor('tip', ['E9'])).toBe('tip');
    expect(await board.isCandidate('x1')).toBe(true);
    await board.publish({ commit: 'c1', parent: 'tip', entryIds: ['E1'], owner: 'w1' });
    expect(await board.baseFor('tip', ['E9'])).toBe('c1');
    expect(await elsewhere.baseFor('tip', ['E9'])).toBe('x1');
    // A candidate whose commit is missing here (a damaged or foreign object store) is never handed out.
    await board.publish({ commit: 'c2', parent: 'c1', entryIds: ['E2'], owner: 'w2' });
    expect(await board.baseFor('tip', ['E9'])).toBe('tip');
    present.add('c2');
    expect(await board.baseFor('tip', ['E9'])).toBe('c2');
    expect(await board.baseFor('tip', ['E2'])).toBe('c1');
    await board.withdraw('c1');
    expect(await board.baseFor('tip', ['E9'])).toBe('tip');
    board.close();
    elsewhere.close();
  });

  it('renews its candidates while their owner works, and lets them expire once withdrawn', async () => {
    const { store, clock } = storeWithClock();
    const board = new StoreSpeculationBoard({
      store,
      targetBranch: 'main',
      location: 'here',
      candidateTtlMs: 600,
    });
    closers.push(() => Promise.resolve(board.close()));
    await board.publish({ commit: 'c1', parent: 'tip', entryIds: ['E1'], owner: 'w1' });
    const published = clock.now;
    clock.now += 500;
    // The renewal (every 200 ms of real time) moves the expiry past the first one.
    await waitFor(async () => ((await store.listCandidates('main'))[0]?.expiresAt ?? 0) > published + 600);
    clock.now += 500;
    expect(await board.isCandidate('c1')).toBe(true);
    await board.withdraw('c1');
    expect(await board.isCandidate('c1')).toBe(false);
  });

  it('hands out build turns in arrival order across boards, and an aborted waiter gives its place up', async () => {
    const { store } = storeWithClock();
    const one = new StoreSpeculationBoard({ store, targetBranch: 'main', location: 'here' });
    const other = new StoreSpeculationBoard({ store, targetBranch: 'main', location: 'here' });
    const order: string[] = [];
    const releaseFirst = await one.takeBuildTurn('first');
    const quitting = new AbortController();
    const quitter = other.takeBuildTurn('quitter', quitting.signal);
    const third = other.takeBuildTurn('third').then((release) => {
      order.push('third');
      return release;
    });
    quitting.abort();
    await expect(quitter).rejects.toThrow();
    await sleep(50);
    expect(order).toEqual([]);
    order.push('first');
    await releaseFirst();
    await releaseFirst();
    const releaseThird = await third;
    expect(order).toEqual(['first', 'third']);
    await releaseThird();
    // The line is empty again: the next turn comes at once.
    await (
      await one.takeBuildTurn('fourth')
    )();
  });

  it("keeps one store ticket per process: the workers waiting behind a holder do not wake each other's renewals", async () => {
    const { store } = storeWithClock();
    const board = new StoreSpeculationBoard({ store, targetBranch: 'main', location: 'here' });
    let checks = 0;
    const checkBuildTurn = store.checkBuildTurn;
    store.checkBuildTurn = (...parameters) => {
      checks += 1;
      return checkBuildTurn(...parameters);
    };
    const releaseHolder = await board.takeBuildTurn('holder');
    const order: string[] = [];
    const waiters = ['second', 'third'].map((owner) =>
      board.takeBuildTurn(owner).then((release) => {
        order.push(owner);
        return release;
      }),
    );
    // While the holder builds, its own writes (events, candidates) wake every waiter of the process.
    for (let write = 0; write < 20; write += 1) {
      await store.publishCandidate(
        {
          commit: `c${write}`,
          parent: 'p',
          entryIds: [],
          owner: 'holder',
          targetBranch: 'main',
          location: 'here',
        },
        30_000,
      );
      await sleep(5);
    }
    expect(order).toEqual([]);
    // The waiters wait in the process, not in the store's line: their renewal checks (one per
    // wake and waiter, each a write transaction) are not made at all.
    expect(checks).toBeLessThanOrEqual(2);
    await releaseHolder();
    const releaseSecond = await waiters[0]!;
    expect(order).toEqual(['second']);
    await releaseSecond();
    await (
      await waiters[1]!
    )();
    expect(order).toEqual(['second', 'third']);
  });
});

describe('objectStoreId', () => {
  it('is one id for a repository and its worktrees, another for a clone', async () => {
    const repository = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    closers.push(() => repository.cleanup());
    const worktreePath = join(temporaryDirectory('hyperion-worktree'), 'wt');
    await runGit(['worktree', 'add', '--quiet', '--detach', worktreePath], { cwd: repository.root });
    const clonePath = join(temporaryDirectory('hyperion-clone'), 'clone');
    await runGit(['clone', '--quiet', repository.root, clonePath], { cwd: repository.root });
    const ids = await Promise.all([
      objectStoreId(repository.repository.gitDirectory),
      objectStoreId((await GitRepository.open(worktreePath)).gitDirectory),
      objectStoreId((await GitRepository.open(clonePath)).gitDirectory),
    ]);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(await objectStoreId(repository.repository.gitDirectory)).toBe(ids[0]);
  });
});
