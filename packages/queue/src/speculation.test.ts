import { getEventListeners } from 'node:events';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';
import { ProcessSpeculationBoard } from './speculation.js';
import { waitFor } from './testing/wait-for.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A check that waits for a verdict file: `pass` or `fail` (only for the entry editing a.txt). */
function gatedCheck(gate: string): string {
  return `grep -q A a.txt || exit 0; while [ ! -f ${gate} ]; do sleep 0.02; done; grep -q pass ${gate}`;
}

async function stackTwo(verdict: 'pass' | 'fail') {
  const gate = join(temporaryDirectory('hyperion-gate'), 'verdict');
  fixture = await createQueueFixture({
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
    // One entry per candidate, speculation on: each worker's candidate carries one change.
    config: {
      checks: [{ name: 'gated', command: gatedCheck(gate) }],
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
  const firstWorker = fixture.queue.createWorker('first');
  const secondWorker = fixture.queue.createWorker('second');
  const firstOutcome = firstWorker.processNext();
  const committed = async (id: string) =>
    (await fixture!.store.listEvents({ entryId: id })).find((event) => event.type === 'entry:committed');
  await waitFor(async () => (await committed(first.id)) !== undefined);
  const secondOutcome = secondWorker.processNext();
  await waitFor(async () => (await committed(second.id)) !== undefined);
  // Written aside and renamed: a check polling for the file never reads it empty.
  writeFileSync(`${gate}.part`, verdict);
  renameSync(`${gate}.part`, gate);
  const outcomes = await Promise.all([firstOutcome, secondOutcome]);
  await firstWorker.dispose();
  await secondWorker.dispose();
  return { tip, first, second, outcomes, committed, gate };
}

describe('speculative stacking', () => {
  it('checks a second change on top of the first one in flight, and lands both without a rerun', async () => {
    const { first, second, outcomes, committed, tip } = await stackTwo('pass');
    expect(outcomes).toEqual(['landed', 'landed']);
    expect((await committed(second.id))?.data['speculative']).toBe(true);
    const landedFirst = (await fixture!.store.requireEntry(first.id)).landed_commit;
    const landedSecond = (await fixture!.store.requireEntry(second.id)).landed_commit;
    const parent = await runGit(['rev-parse', `${landedSecond}^`], { cwd: fixture!.temporary.root });
    expect(parent.stdout.trim()).toBe(landedFirst);
    expect(
      (await runGit(['rev-parse', `${landedFirst}^`], { cwd: fixture!.temporary.root })).stdout.trim(),
    ).toBe(tip);
    const checks = (await fixture!.store.listEvents({ entryId: second.id })).filter(
      (event) => event.type === 'check:passed',
    );
    expect(checks).toHaveLength(1);
  });

  it('rebuilds the second change on the real tip when the first one fails its check; the failed change never lands', async () => {
    const { first, second, outcomes, tip } = await stackTwo('fail');
    expect(outcomes).toEqual(['quarantined', 'landed']);
    expect((await fixture!.store.requireEntry(first.id)).state).toBe('quarantined');
    const landed = (await fixture!.store.requireEntry(second.id)).landed_commit;
    expect((await runGit(['rev-parse', `${landed}^`], { cwd: fixture!.temporary.root })).stdout.trim()).toBe(
      tip,
    );
    expect((await runGit(['show', 'main:a.txt'], { cwd: fixture!.temporary.root })).stdout).toBe('a\n');
    const types = (await fixture!.store.listEvents({ entryId: second.id })).map((event) => event.type);
    expect(types).toContain('entry:race_lost');
    expect(existsSync(join(fixture!.worktreesDirectory, 'first'))).toBe(false);
  });
});

describe('ProcessSpeculationBoard build turns', () => {
  it('gives turns first come, first served, one at a time, and survives a double release', async () => {
    const board = new ProcessSpeculationBoard();
    const order: string[] = [];
    const first = await board.takeBuildTurn('first');
    const waiting = ['second', 'third'].map(async (name) => {
      const release = await board.takeBuildTurn(name);
      order.push(`${name} starts`);
      await sleep(5);
      order.push(`${name} ends`);
      await release();
    });
    await sleep(20);
    expect(order, 'nobody builds while the first turn is held').toEqual([]);
    await first();
    await first();
    await Promise.all(waiting);
    expect(order).toEqual(['second starts', 'second ends', 'third starts', 'third ends']);
  });
});

describe('ProcessSpeculationBoard candidates', () => {
  it('wakes a waiting worker when a candidate is published or withdrawn, not only on its timeout', async () => {
    const board = new ProcessSpeculationBoard();
    const started = Date.now();
    const waiting = board.waitForChange(10_000);
    await board.publish({ commit: 'c1', parent: 'tip', entryIds: ['E1'], owner: 'w1' });
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await board.isCandidate('c1')).toBe(true);
    const again = board.waitForChange(10_000);
    await board.withdraw('c1');
    await again;
    expect(await board.isCandidate('c1')).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stacks on the chain of candidates but never on a candidate carrying one of its own entries', async () => {
    const board = new ProcessSpeculationBoard();
    await board.publish({ commit: 'c1', parent: 'tip', entryIds: ['E1', 'E2'], owner: 'w1' });
    await board.publish({ commit: 'c2', parent: 'c1', entryIds: ['E3'], owner: 'w2' });
    expect(await board.baseFor('tip', ['E9'])).toBe('c2');
    expect(await board.baseFor('tip', ['E3'])).toBe('c1');
    expect(await board.baseFor('tip', ['E2', 'E9'])).toBe('tip');
    expect(await board.baseFor('other', ['E9'])).toBe('other');
  });

  it('passes the turn on when a waiting worker gives up (its signal aborts)', async () => {
    const board = new ProcessSpeculationBoard();
    const first = await board.takeBuildTurn('first');
    const quitting = new AbortController();
    const quitter = board.takeBuildTurn('quitter', quitting.signal);
    const third = board.takeBuildTurn('third');
    quitting.abort();
    await expect(quitter).rejects.toThrow();
    await first();
    const release = await third;
    await release();
  });

  it('refuses at once a worker whose signal aborted before it asked, while another holds the turn', async () => {
    const board = new ProcessSpeculationBoard();
    const holder = await board.takeBuildTurn('holder');
    const gone = new AbortController();
    gone.abort(new Error('lease lost'));
    const late = board.takeBuildTurn('late', gone.signal).then(
      () => 'granted',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    // The holder keeps the turn until the late worker has answered: a late worker that waits for it
    // would never answer, and this test would not end.
    expect(await late).toBe('lease lost');
    await holder();
    const next = await board.takeBuildTurn('next');
    await next();
  });
});

describe('ProcessSpeculationBoard and the lease signal', () => {
  it('leaves no abort listener behind on the signal of a worker that takes many turns', async () => {
    const board = new ProcessSpeculationBoard();
    const lease = new AbortController();
    for (let turn = 0; turn < 20; turn += 1) {
      const release = await board.takeBuildTurn('w1', lease.signal);
      await board.waitForChange(1, lease.signal);
      await release();
    }
    expect(getEventListeners(lease.signal, 'abort')).toHaveLength(0);
  });
});
