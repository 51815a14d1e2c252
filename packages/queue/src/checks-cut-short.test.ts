import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import type { QueueEntry } from '@hyperion/schema';
import { ShellCheckRunner } from './check-runner.js';
import { runCandidateChecksUnlessStopped } from './run-entry-checks.js';
import type { QueueEvents } from './events.js';
import { silentLogger, type QueueRuntime } from './runtime.js';
import { ProcessSpeculationBoard } from './speculation.js';
import { isStillStacked } from './still-stacked.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  testConfig,
  type QueueFixture,
} from './testing/queue-fixture.js';
import { waitFor } from './testing/wait-for.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A runtime of the real store, config, check runner and events: all the checks need. */
async function checksRuntime(checks: { name: string; command: string }[]) {
  fixture = await createQueueFixture({ files: { 'a.txt': 'a\n' } });
  const config = testConfig({ checks: checks.map((check) => ({ ...check, timeout_ms: 60_000 })) });
  const events = new EventEmitter<QueueEvents>();
  const runtime = {
    store: fixture.store,
    config,
    checkRunner: new ShellCheckRunner(),
    events,
    logger: silentLogger,
  } as unknown as QueueRuntime;
  const entry = await fixture.queue.submit(
    changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
  );
  const checkTypes = async () =>
    (await fixture!.store.listEvents({ entryId: entry.id }))
      .map((event) => event.type)
      .filter((type) => type.startsWith('check:'));
  return { runtime, events, entry, checkTypes, directory: fixture.temporary.root };
}

/** Runs the checks with a stop that aborts as the first check ends (the base turns red then). */
function runStoppedAfterFirstCheck(
  runtime: QueueRuntime,
  events: EventEmitter<QueueEvents>,
  entry: QueueEntry,
  directory: string,
) {
  const stop = new AbortController();
  events.on('check:finished', () => stop.abort());
  return runCandidateChecksUnlessStopped(
    runtime,
    [entry],
    directory,
    'w',
    new AbortController().signal,
    undefined,
    stop.signal,
  );
}

describe('checks cut short', () => {
  it('starts no further check once stopped between two checks', async () => {
    const marker = join(temporaryDirectory('hyperion-cut-short'), 'second-started');
    const { runtime, events, entry, checkTypes, directory } = await checksRuntime([
      { name: 'quick', command: 'true' },
      { name: 'slow', command: `touch ${marker}; sleep 30` },
    ]);
    const started = Date.now();
    const outcome = await runStoppedAfterFirstCheck(runtime, events, entry, directory);
    expect(outcome).toBe('stopped');
    expect(existsSync(marker)).toBe(false);
    expect(Date.now() - started).toBeLessThan(20_000);
    // The first check's verdict came before the stop; nothing of the second.
    expect(await checkTypes()).toEqual(['check:passed']);
  });

  it('starts no further check once stopped, whatever the runner does with an aborted signal', async () => {
    const { runtime, events, entry, directory } = await checksRuntime([
      { name: 'quick', command: 'true' },
      { name: 'second', command: 'sleep 1' },
    ]);
    // A runner of a platform team's that starts a check even for a signal already aborted.
    const started: string[] = [];
    const shell = new ShellCheckRunner();
    runtime.checkRunner = {
      run: (check, where, signal) => {
        started.push(check.name);
        return shell.run(check, where, signal?.aborted === true ? undefined : signal);
      },
    };
    const outcome = await runStoppedAfterFirstCheck(runtime, events, entry, directory);
    expect(outcome).toBe('stopped');
    expect(started).toEqual(['quick']);
  });

  it('records nothing of a check killed because the lease was lost', async () => {
    const marker = join(temporaryDirectory('hyperion-cut-short'), 'started');
    const { runtime, entry, checkTypes, directory } = await checksRuntime([
      { name: 'slow', command: `touch ${marker}; sleep 30` },
      { name: 'after', command: 'true' },
    ]);
    const lease = new AbortController();
    const running = runCandidateChecksUnlessStopped(runtime, [entry], directory, 'w', lease.signal);
    await waitFor(() => existsSync(marker));
    lease.abort();
    const outcome = await running;
    expect(outcome).toMatchObject({ passed: false, reason: 'the lease was lost while it was checked' });
    // The entry may be another worker's by now: its trail holds no verdict of this run.
    expect(await checkTypes()).toEqual([]);
  });
});

describe('ShellCheckRunner', () => {
  it('spawns nothing for a signal that has already aborted', async () => {
    const directory = temporaryDirectory('hyperion-cut-short');
    const marker = join(directory, 'ran');
    const aborted = AbortSignal.abort();
    const result = await new ShellCheckRunner().run(
      { name: 'late', command: `touch ${marker}`, timeout_ms: 10_000, retries: 0 },
      directory,
      aborted,
    );
    expect(result).toMatchObject({ passed: false, exitCode: null, timedOut: false });
    expect(result.output).toContain('stopped before it started');
    await sleep(200);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('isStillStacked', () => {
  async function boardWith() {
    const board = new ProcessSpeculationBoard();
    await board.publish({ commit: 'A', parent: 'T0', entryIds: ['a'], owner: 'w1' });
    await board.publish({ commit: 'B', parent: 'A', entryIds: ['b'], owner: 'w2' });
    return board;
  }

  it('is true when the base lands between the read of the tip and the read of the board', async () => {
    const board = await boardWith();
    let tip = 'T0';
    let reads = 0;
    const readTip = async () => {
      const read = tip;
      reads += 1;
      if (reads === 1) {
        // A's compare-and-swap, then its withdrawal, right after this read.
        tip = 'A';
        await board.withdraw('A');
      }
      return read;
    };
    expect(await isStillStacked(board, readTip, 'A', ['b'])).toBe(true);
  });

  it('is false when the base turned red, or was withdrawn without landing', async () => {
    const red = await boardWith();
    await red.publish({ commit: 'A', parent: 'T0', entryIds: ['a'], owner: 'w1', atRisk: true });
    expect(await isStillStacked(red, async () => 'T0', 'A', ['b'])).toBe(false);
    const withdrawn = await boardWith();
    await withdrawn.withdraw('A');
    expect(await isStillStacked(withdrawn, async () => 'T0', 'A', ['b'])).toBe(false);
  });

  it('is true while the base stands, and when the tip keeps moving', async () => {
    const board = await boardWith();
    expect(await isStillStacked(board, async () => 'T0', 'A', ['b'])).toBe(true);
    await board.withdraw('A');
    let moves = 0;
    expect(await isStillStacked(board, async () => `T${(moves += 1)}`, 'A', ['b'])).toBe(true);
  });
});
