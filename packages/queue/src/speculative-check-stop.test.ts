import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { checksInFlightBesides, type SpeculationCandidate } from './speculation.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';
import { waitFor } from './testing/wait-for.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('a speculative candidate whose base turns red', () => {
  it('has its check stopped at once, records no verdict of it, and lands once rebuilt on the tip', async () => {
    const directory = temporaryDirectory('hyperion-stop');
    const gate = join(directory, 'verdict');
    const started = join(directory, 'started');
    // The entry editing a.txt waits for the gate and fails. The one editing b.txt, on top of it,
    // announces itself and then checks for 60 s; alone on the tip it passes at once.
    const check = [
      `if grep -q B b.txt && grep -q A a.txt; then echo $$ >> ${started}; sleep 60; exit 0; fi`,
      `grep -q A a.txt || exit 0`,
      `while [ ! -f ${gate} ]; do sleep 0.02; done; exit 1`,
    ].join('; ');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      config: {
        checks: [{ name: 'gated', command: check, timeout_ms: 120_000 }],
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
    const events = (id: string) => fixture!.store.listEvents({ entryId: id });
    const firstOutcome = firstWorker.processNext();
    await waitFor(async () => (await events(first.id)).some((event) => event.type === 'entry:committed'));
    const secondOutcome = secondWorker.processNext();
    // The stacked check is running.
    await waitFor(async () => {
      try {
        return readFileSync(started, 'utf8').trim() !== '';
      } catch {
        return false;
      }
    });
    const before = Date.now();
    writeFileSync(`${gate}.part`, 'fail');
    renameSync(`${gate}.part`, gate);
    const outcomes = await Promise.all([firstOutcome, secondOutcome]);
    await firstWorker.dispose();
    await secondWorker.dispose();
    expect(outcomes).toEqual(['quarantined', 'landed']);
    // Far less than the 60 s the stacked check would have taken.
    expect(Date.now() - before).toBeLessThan(30_000);
    const stackedPid = Number(readFileSync(started, 'utf8').trim());
    expect(() => process.kill(stackedPid, 0)).toThrow();
    const secondEvents = await events(second.id);
    const stopped = secondEvents.find(
      (event) =>
        event.type === 'entry:race_lost' && String(event.data['note']).includes('its check was stopped'),
    );
    expect(stopped?.data['expected_tip']).toBeDefined();
    // One verdict only: the run on the tip. The stopped run is not a failure of anyone's.
    expect(
      secondEvents.filter((event) => event.type.startsWith('check:')).map((event) => event.type),
    ).toEqual(['check:passed']);
    const landed = (await fixture.store.requireEntry(second.id)).landed_commit;
    expect((await runGit(['rev-parse', `${landed}^`], { cwd: fixture.temporary.root })).stdout.trim()).toBe(
      tip,
    );
  });
});

describe('checksInFlightBesides', () => {
  const candidate = (
    commit: string,
    parent: string,
    owner: string,
    atRisk = false,
  ): SpeculationCandidate => ({
    commit,
    parent,
    owner,
    entryIds: [commit],
    atRisk,
  });

  it('does not count candidates stacked on one at risk: their checks are being stopped', () => {
    const board = [
      candidate('red', 'tip', 'bisecting', true),
      candidate('on-red', 'red', 'w2'),
      candidate('on-on-red', 'on-red', 'w3'),
    ];
    expect(checksInFlightBesides(board, 'tip', 'bisecting')).toBe(0);
    const healthy = [candidate('green', 'tip', 'w1'), candidate('on-green', 'green', 'w2')];
    expect(checksInFlightBesides(healthy, 'tip', 'other')).toBe(2);
    // A cycle of parents (a board never has one) ends the walk.
    const looped = [candidate('x', 'y', 'w1'), candidate('y', 'x', 'w2')];
    expect(checksInFlightBesides(looped, 'tip', 'other')).toBe(2);
  });
});
