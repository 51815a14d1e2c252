import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { applyEntry, conflictRestatedOnTip, type ConflictedOutcome } from './apply-entry.js';
import { ChangesSinceTip } from './changes-since-tip.js';
import type { QueueRuntime } from './runtime.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await fixture?.cleanup();
  fixture = undefined;
});

/** Commits `files` (a null content deletes the file) on top of `parent`, off any branch. */
async function commitOn(parent: string, files: Record<string, string | null>): Promise<string> {
  const root = fixture!.temporary.root;
  const path = `${root}-scratch-${Math.random().toString(36).slice(2)}`;
  const worktree = await fixture!.temporary.repository.addWorktree(path, parent);
  cleanups.push(() => rm(path, { recursive: true, force: true }));
  for (const [file, content] of Object.entries(files)) {
    if (content === null) await rm(join(worktree.path, file));
    else {
      await mkdir(dirname(join(worktree.path, file)), { recursive: true });
      await writeFile(join(worktree.path, file), content);
    }
  }
  await runGit(['add', '-A'], { cwd: worktree.path });
  await runGit(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'change'], {
    cwd: worktree.path,
  });
  return (await runGit(['rev-parse', 'HEAD'], { cwd: worktree.path })).stdout.trim();
}

async function setUp() {
  fixture = await createQueueFixture({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' } });
  const start = await fixture.temporary.repository.requireBranch('main');
  const entry = await fixture.queue.submit(
    changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n'), { base_commit: start }),
  );
  // The tip: another change to the same line landed.
  const tip = await commitOn(start, { 'a.txt': 'X\n' });
  await runGit(['update-ref', 'refs/heads/main', tip], { cwd: fixture.temporary.root });
  const runtime = { repository: fixture.temporary.repository } as unknown as QueueRuntime;
  return { start, entry, tip, runtime };
}

describe('ChangesSinceTip', () => {
  it('restates a conflict found on a head that differs from the tip elsewhere exactly as a trial on the tip finds it', async () => {
    const { entry, tip, runtime } = await setUp();
    const head = await commitOn(tip, { 'b.txt': 'B\n', 'd.txt': 'new\n' });
    expect(await new ChangesSinceTip(runtime, tip).sameForEntry(head, entry)).toBe(true);

    const onHead = await fixture!.temporary.repository.addWorktree(`${fixture!.temporary.root}-head`, head);
    cleanups.push(() => rm(onHead.path, { recursive: true, force: true }));
    const trial = await applyEntry(runtime, entry, onHead, head, 'w', {
      deferEvent: true,
      interveningCommits: false,
    });
    expect(trial.outcome).toBe('conflicted');
    const restated = await conflictRestatedOnTip(runtime, entry, trial as ConflictedOutcome, tip);

    const onTip = await fixture!.temporary.repository.addWorktree(`${fixture!.temporary.root}-tip`, tip);
    cleanups.push(() => rm(onTip.path, { recursive: true, force: true }));
    const full = await applyEntry(runtime, entry, onTip, tip, 'w', { deferEvent: true });
    expect(full.outcome).toBe('conflicted');
    expect(restated).toEqual(full);
    expect(restated.report.tip).toBe(tip);
    expect(restated.report.intervening_commits.map((commit) => commit.commit)).toEqual([tip]);
  });

  it('runs the trial again for a head that touches the entry’s paths, deletes a file, or an entry based outside the tip', async () => {
    const { entry, tip, runtime } = await setUp();
    const changes = new ChangesSinceTip(runtime, tip);
    expect(await changes.sameForEntry(await commitOn(tip, { 'a.txt': 'Y\n' }), entry)).toBe(false);
    // A deletion anywhere: a 3-way merge could see a rename.
    expect(await changes.sameForEntry(await commitOn(tip, { 'c.txt': null }), entry)).toBe(false);
    // A file below a path of the entry, or a directory above one.
    const below = await commitOn(tip, { 'dir/x.txt': 'x\n' });
    expect(await changes.sameForEntry(below, { ...entry, paths: ['dir'] })).toBe(false);
    const inFlight = await commitOn(tip, { 'b.txt': 'B\n' });
    expect(await changes.sameForEntry(inFlight, { ...entry, paths: ['b.txt/x'] })).toBe(false);
    // Made on a commit that is not in the tip's history (a candidate in flight).
    expect(await changes.sameForEntry(inFlight, { ...entry, base_commit: inFlight })).toBe(false);
    expect(await changes.sameForEntry(inFlight, entry)).toBe(true);
    expect(await changes.sameForEntry(tip, entry)).toBe(true);
  });
});
