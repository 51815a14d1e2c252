import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { entryCommitMessage } from './commit-message.js';
import { ProcessSpeculationBoard } from './speculation.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import {
  changeRequest,
  createQueueFixture,
  newFilePatch,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

async function log(root: string, format = '%H %s'): Promise<string[]> {
  const result = await runGit(['log', '--first-parent', `--format=${format}`, 'main'], { cwd: root });
  return result.stdout.trim().split('\n');
}

describe('MergeQueue landing', () => {
  it('applies, checks and lands a change with its trailers, updating the checked-out working tree', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      config: { checks: [{ name: 'content', command: 'grep -q ONE a.txt' }] },
    });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'ONE\n')),
    );
    const summary = await fixture.queue.runWorkers({ mode: 'drain' });
    expect(summary).toEqual({ landed: 1 });
    const landed = await fixture.store.requireEntry(entry.id);
    expect(landed.state).toBe('landed');
    const tip = await fixture.temporary.repository.requireBranch('main');
    expect(landed.landed_commit).toBe(tip);
    const trailers = await fixture.temporary.repository.readTrailers(tip);
    expect(trailers).toEqual(
      expect.arrayContaining([
        { key: 'Hyperion-Task', value: 'T-1' },
        { key: 'Hyperion-Change', value: entry.id },
      ]),
    );
    expect(readFileSync(join(fixture.temporary.root, 'a.txt'), 'utf8')).toBe('ONE\n');
    const types = (await fixture.store.listEvents({ entryId: entry.id })).map((event) => event.type);
    expect(types).toEqual([
      'entry:enqueued',
      'entry:leased',
      'entry:applied',
      'entry:committed',
      'check:passed',
      'entry:landed',
    ]);
  });

  it('never lands a change whose check fails: retries, then quarantines with the check output', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      config: {
        checks: [{ name: 'never', command: 'echo boom-output; exit 3' }],
        queue: { max_attempts: 2 },
      },
    });
    const before = await fixture.temporary.repository.requireBranch('main');
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    const summary = await fixture.queue.runWorkers({ mode: 'drain' });
    expect(summary).toEqual({ retry_scheduled: 1, quarantined: 1 });
    const quarantined = await fixture.store.requireEntry(entry.id);
    expect(quarantined.state).toBe('quarantined');
    expect(quarantined.attempts).toBe(2);
    expect(quarantined.last_error).toMatch(/check 'never' failed: exited with 3 \(attempt 2 of 2\)/);
    const failed = (await fixture.store.listEvents({ entryId: entry.id })).filter(
      (event) => event.type === 'check:failed',
    );
    expect(failed).toHaveLength(2);
    expect(failed[0]?.data['output']).toContain('boom-output');
    expect(await fixture.temporary.repository.requireBranch('main')).toBe(before);
  });

  it('records a pass after a failure as a flake, never as a silent success', async () => {
    const marker = join(temporaryDirectory('hyperion-flake'), 'ran-once');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      config: {
        checks: [{ name: 'flaky', command: `test -f ${marker} || { touch ${marker}; exit 1; }`, retries: 1 }],
      },
    });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    await fixture.queue.runWorkers({ mode: 'drain' });
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('landed');
    const flake = (await fixture.store.listEvents({ entryId: entry.id })).find(
      (event) => event.type === 'check:flaked',
    );
    expect(flake?.data['failed_runs']).toHaveLength(1);
  });

  it('takes an expired lease again: a worker that died mid-attempt loses nothing', async () => {
    let now = Date.now();
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      clock: () => now,
      config: { queue: { lease_ms: 1_000 } },
    });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    const ghost = await fixture.store.leaseNext('ghost-worker', 1_000);
    expect(ghost?.id).toBe(entry.id);
    expect(await fixture.queue.runWorkers({ mode: 'once' })).toEqual({});
    now += 1_001;
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    const types = (await fixture.store.listEvents({ entryId: entry.id })).map((event) => event.type);
    expect(types).toContain('entry:lease_expired');
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({
      state: 'landed',
      attempts: 1,
      lease_expiries: 1,
    });
  });

  it('lands two changes racing on the same tip: one loses the compare-and-swap and re-applies on the new tip', async () => {
    const barrier = temporaryDirectory('hyperion-barrier');
    const waitForBoth = `touch ${barrier}/$$; for i in $(seq 1 1500); do [ $(ls ${barrier} | wc -l) -ge 2 ] && exit 0; sleep 0.02; done; exit 1`;
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      // One entry per candidate: each process's worker builds its own on the same tip.
      config: {
        checks: [{ name: 'barrier', command: waitForBoth }],
        queue: { strategy: { name: 'batch', max_batch: 1 } },
      },
    });
    const first = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    const second = await fixture.queue.submit(
      changeRequest('T-b', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'B\n')),
    );
    // Two queues are two processes' views; with boards of their own (no shared speculation)
    // they race at the swap.
    const one = fixture.openAnotherQueue({ speculation: new ProcessSpeculationBoard() });
    const other = fixture.openAnotherQueue({ speculation: new ProcessSpeculationBoard() });
    const summaries = await Promise.all([
      one.runWorkers({ mode: 'drain', workers: 1 }),
      other.runWorkers({ mode: 'drain', workers: 1 }),
    ]);
    expect(summaries.map((summary) => summary.landed ?? 0).reduce((total, count) => total + count, 0)).toBe(
      2,
    );
    const races = (
      await Promise.all([first.id, second.id].map((id) => fixture!.store.listEvents({ entryId: id })))
    )
      .flat()
      .filter((event) => event.type === 'entry:race_lost');
    expect(races).toHaveLength(1);
    const history = await log(fixture.temporary.root, '%s');
    expect(history).toHaveLength(3);
    const tip = await fixture.temporary.repository.requireBranch('main');
    const files = await runGit(['show', `${tip}:a.txt`], { cwd: fixture.temporary.root });
    expect(files.stdout).toBe('A\n');
    expect((await runGit(['show', `${tip}:b.txt`], { cwd: fixture.temporary.root })).stdout).toBe('B\n');
  });

  it('works on top of a person’s own commit and never overwrites it', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    writeFileSync(join(fixture.temporary.root, 'b.txt'), 'person\n');
    await runGit(['-c', 'user.name=P', '-c', 'user.email=p@x', 'commit', '-qam', 'person edit'], {
      cwd: fixture.temporary.root,
    });
    const personal = await fixture.temporary.repository.requireBranch('main');
    await fixture.queue.runWorkers({ mode: 'drain' });
    const landed = await fixture.store.requireEntry(entry.id);
    expect(
      (
        await runGit(['rev-parse', `${landed.landed_commit}^`], { cwd: fixture.temporary.root })
      ).stdout.trim(),
    ).toBe(personal);
  });

  it('does not land a change twice when the branch already carries its trailer (crash after the ref update)', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    writeFileSync(join(fixture.temporary.root, 'a.txt'), 'A\n');
    await runGit(
      [
        '-c',
        'user.name=H',
        '-c',
        'user.email=h@x',
        'commit',
        '-qam',
        `landed before the crash\n\n${entryCommitMessage(entry).split('\n\n')[1]}`,
      ],
      { cwd: fixture.temporary.root },
    );
    const tip = await fixture.temporary.repository.requireBranch('main');
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ already_landed: 1 });
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({ state: 'landed', landed_commit: tip });
    expect(await fixture.temporary.repository.requireBranch('main')).toBe(tip);
  });

  it('holds the landing while the checked-out working tree has local changes, then lands once it is clean', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n', 'notes.txt': 'mine\n' } });
    writeFileSync(join(fixture.temporary.root, 'notes.txt'), 'uncommitted work\n');
    const before = await fixture.temporary.repository.requireBranch('main');
    const entry = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    expect(await fixture.queue.runWorkers({ mode: 'once' })).toEqual({ held: 1 });
    const held = await fixture.store.requireEntry(entry.id);
    expect(held).toMatchObject({ state: 'queued', attempts: 0 });
    expect(held.last_error).toMatch(/local changes/);
    expect(await fixture.temporary.repository.requireBranch('main')).toBe(before);
    expect(readFileSync(join(fixture.temporary.root, 'notes.txt'), 'utf8')).toBe('uncommitted work\n');
    writeFileSync(join(fixture.temporary.root, 'notes.txt'), 'mine\n');
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect(readFileSync(join(fixture.temporary.root, 'a.txt'), 'utf8')).toBe('A\n');
  });

  it('reports a conflict, with the change that landed in between, before any check runs', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n' },
      config: { checks: [{ name: 'should-not-run', command: 'true' }] },
    });
    const base = await fixture.temporary.repository.requireBranch('main');
    const winner = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'first\n'), { base_commit: base }),
    );
    await fixture.queue.runWorkers({ mode: 'drain' });
    const loser = await fixture.queue.submit(
      changeRequest('T-2', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'second\n'), { base_commit: base }),
    );
    const hooked: string[] = [];
    const withHook = fixture.openAnotherQueue({
      onConflicted: async (entry) => void hooked.push(entry.state),
    });
    await withHook.runWorkers({ mode: 'drain' });
    expect(hooked).toEqual(['conflicted']);
    const conflicted = await fixture.store.requireEntry(loser.id);
    expect(conflicted.state).toBe('conflicted');
    const events = await fixture.store.listEvents({ entryId: loser.id });
    expect(events.some((event) => event.type.startsWith('check:'))).toBe(false);
    const report = events.find((event) => event.type === 'entry:conflicted')?.data['report'] as Record<
      string,
      unknown
    >;
    expect(report['base_commit']).toBe(base);
    expect(report['intervening_commits']).toEqual([
      expect.objectContaining({ change_id: winner.id, paths: ['a.txt'] }),
    ]);
  });

  it('calls the quarantine hook once an entry is quarantined for its own failure, and not before', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n' },
      config: {
        checks: [{ name: 'fails', command: 'false' }],
        queue: { max_attempts: 2, backoff_base_ms: 10 },
      },
    });
    const failing = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'b\n')),
    );
    const hooked: Array<{ id: string; state: string; attempts: number }> = [];
    const withHook = fixture.openAnotherQueue({
      onQuarantined: async (entry) =>
        void hooked.push({ id: entry.id, state: entry.state, attempts: entry.attempts }),
      onConflicted: async () => {
        throw new Error('no conflict here');
      },
    });
    await withHook.runWorkers({ mode: 'drain' });
    // The first failed attempt is retried, not quarantined: the hook is called once, at the end.
    expect(hooked).toEqual([{ id: failing.id, state: 'quarantined', attempts: 2 }]);
  });

  it('calls the quarantine hook for an entry the worker refuses at apply (a path now a symlink outside)', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'b\n')),
    );
    // A person's commit makes a.txt a symlink pointing outside the repository.
    const root = fixture.temporary.root;
    rmSync(join(root, 'a.txt'));
    symlinkSync('/etc/hostname', join(root, 'a.txt'));
    await runGit(['add', '-A'], { cwd: root });
    await runGit(['commit', '-qm', 'a.txt is a link now'], { cwd: root });
    const hooked: string[] = [];
    const withHook = fixture.openAnotherQueue({
      onQuarantined: async (quarantined) => void hooked.push(`${quarantined.id}:${quarantined.state}`),
    });
    await withHook.runWorkers({ mode: 'drain' });
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('quarantined');
    expect(hooked).toEqual([`${entry.id}:quarantined`]);
  });

  it('calls the quarantine hook only once the rest of the batch is settled and off the board', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      config: {
        workers: 1,
        checks: [{ name: 'a-stays-a', command: 'grep -qx a a.txt' }],
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 2 } },
      },
    });
    const current = fixture;
    const culprit = await current.queue.submit(
      changeRequest('T-A', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'x\n')),
    );
    const other = await current.queue.submit(
      changeRequest('T-B', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'y\n')),
    );
    const seen: string[] = [];
    const withHook = current.openAnotherQueue({
      onQuarantined: async (entry) => {
        const rest = await current.store.requireEntry(other.id);
        const board = await current.store.listCandidates('main');
        seen.push(`${entry.id}: ${other.id} ${rest.state}, ${board.length} on the board`);
      },
    });
    await withHook.runWorkers({ mode: 'drain' });
    // The batch was bisected: the culprit charged, the other entry handed back (then landed alone).
    expect(seen).toEqual([`${culprit.id}: ${other.id} queued, 0 on the board`]);
    expect((await current.store.requireEntry(other.id)).state).toBe('landed');
  });

  it('auto-rebases a patch made on an older base when a 3-way merge resolves it', async () => {
    const lines = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n') + '\n';
    fixture = await createQueueFixture({ files: { 'a.txt': lines } });
    const base = await fixture.temporary.repository.requireBranch('main');
    const top = lines.replace('1\n', 'one\n');
    const bottom = lines.replace('8\n', 'eight\n');
    await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', lines, top), { base_commit: base }),
    );
    await fixture.queue.runWorkers({ mode: 'drain' });
    const second = await fixture.queue.submit(
      changeRequest('T-2', 'a.txt', replaceFilePatch('a.txt', lines, bottom), { base_commit: base }),
    );
    await fixture.queue.runWorkers({ mode: 'drain' });
    expect((await fixture.store.requireEntry(second.id)).state).toBe('landed');
    const applied = (await fixture.store.listEvents({ entryId: second.id })).find(
      (event) => event.type === 'entry:applied',
    );
    expect(applied?.data['mode']).toBe('three-way');
    expect(readFileSync(join(fixture.temporary.root, 'a.txt'), 'utf8')).toBe(
      lines.replace('1\n', 'one\n').replace('8\n', 'eight\n'),
    );
  });

  it('in dry-run mode checks everything and moves nothing', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n' },
      dryRun: true,
      config: { checks: [{ name: 'ok', command: 'grep -q A a.txt' }] },
    });
    const before = await fixture.temporary.repository.requireBranch('main');
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')),
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ 'dry-run-passed': 1 });
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('dry-run-passed');
    expect(await fixture.temporary.repository.requireBranch('main')).toBe(before);
    expect(readFileSync(join(fixture.temporary.root, 'a.txt'), 'utf8')).toBe('a\n');
  });

  it('lands a new file', async () => {
    fixture = await createQueueFixture();
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'docs/new.md', newFilePatch('docs/new.md', '# New\n')),
    );
    await fixture.queue.runWorkers({ mode: 'drain' });
    expect((await fixture.store.requireEntry(entry.id)).state).toBe('landed');
    expect(readFileSync(join(fixture.temporary.root, 'docs/new.md'), 'utf8')).toBe('# New\n');
  });
});
