import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { observeGitCommands, runGit, type Worktree } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import { applyEntry, type ApplyOutcome } from './apply-entry.js';
import { buildCandidate, chainHead, type BuildContext } from './batch-build.js';
import { commitEntry } from './commit-message.js';
import type { QueueRuntime } from './runtime.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;
const worktreePaths: string[] = [];
afterEach(async () => {
  observeGitCommands(undefined);
  await fixture?.cleanup();
  fixture = undefined;
  for (const path of worktreePaths.splice(0)) await rm(path, { recursive: true, force: true });
});

const LINES = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n') + '\n';
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/**
 * Eight entries on eight files, made on the start commit; then main changes line 1 of c.txt and of
 * f.txt. The entry on c.txt changes line 1 too (a conflict), the one on f.txt line 8 (it does not
 * apply as is, but a three-way merge resolves it); the others apply.
 */
async function eightEntries(): Promise<{ entries: QueueEntry[]; runtime: QueueRuntime; tip: string }> {
  fixture = await createQueueFixture({
    files: Object.fromEntries(NAMES.map((name) => [`${name}.txt`, LINES])),
    config: { checks: [{ name: 'ok', command: 'true' }] },
  });
  const root = fixture.temporary.root;
  const start = await fixture.temporary.repository.requireBranch('main');
  const entries: QueueEntry[] = [];
  for (const name of NAMES) {
    const changed = name === 'f' ? LINES.replace('8\n', 'eight\n') : LINES.replace('1\n', `${name}-one\n`);
    const submitted = await fixture.queue.submit(
      changeRequest(`T-${name}`, `${name}.txt`, replaceFilePatch(`${name}.txt`, LINES, changed), {
        base_commit: start,
      }),
    );
    entries.push(await fixture.store.requireEntry(submitted.id));
  }
  for (const name of ['c', 'f']) writeFileSync(join(root, `${name}.txt`), LINES.replace('1\n', 'main\n'));
  await runGit(['-c', 'commit.gpgsign=false', 'commit', '--quiet', '--no-verify', '-am', 'main moves'], {
    cwd: root,
  });
  const tip = await fixture.temporary.repository.requireBranch('main');
  const runtime = (fixture.queue as unknown as { runtime: QueueRuntime }).runtime;
  return { entries, runtime, tip };
}

async function worktreeAt(name: string, commit: string): Promise<Worktree> {
  const path = `${fixture!.temporary.root}-${name}`;
  worktreePaths.push(path);
  return fixture!.temporary.repository.addWorktree(path, commit);
}

async function treeOf(commit: string): Promise<string> {
  return (await runGit(['rev-parse', `${commit}^{tree}`], { cwd: fixture!.temporary.root })).stdout.trim();
}

/** What building the chain one entry at a time gives (as the build did before set-aside), trees for commits. */
async function oneAtATime(
  runtime: QueueRuntime,
  entries: readonly QueueEntry[],
  base: string,
): Promise<{ summary: unknown; commands: number }> {
  const worktree = await worktreeAt('alone', base);
  let commands = 0;
  observeGitCommands(() => (commands += 1));
  await worktree.resetTo(base);
  const links: Array<{ id: string; commit: string; parent: string; event: Record<string, unknown> }> = [];
  const unapplied: Array<{ id: string; applied: ApplyOutcome }> = [];
  let head = base;
  for (const entry of entries) {
    const applied = await applyEntry(runtime, entry, worktree, head, 'reference', { deferEvent: true });
    if (applied.outcome !== 'applied') {
      unapplied.push({ id: entry.id, applied });
      continue;
    }
    const commit = await commitEntry(worktree, entry);
    links.push({ id: entry.id, commit, parent: head, event: applied.event });
    head = commit;
  }
  observeGitCommands(undefined);
  return { summary: await summarise(links, unapplied, worktree), commands };
}

/** The chain with every commit sha replaced by its tree, so that two builds can be compared. */
async function summarise(
  links: ReadonlyArray<{ id: string; commit: string; parent: string; event: Record<string, unknown> }>,
  unapplied: ReadonlyArray<{ id: string; applied: ApplyOutcome }>,
  worktree: Worktree,
): Promise<unknown> {
  const trees = new Map<string, string>();
  const tree = async (commit: string) => {
    trees.set(commit.slice(0, 12), await treeOf(commit));
    return trees.get(commit.slice(0, 12))!;
  };
  const chain = [];
  for (const link of links) {
    chain.push({
      id: link.id,
      tree: await tree(link.commit),
      parent: await tree(link.parent),
      event: { ...link.event, tip: await tree(String(link.event['tip'])) },
    });
  }
  const left = [];
  for (const { id, applied } of unapplied) {
    if (applied.outcome !== 'conflicted') {
      left.push({ id, applied });
      continue;
    }
    const tip = await tree(applied.report.tip);
    left.push({
      id,
      outcome: applied.outcome,
      reason: applied.reason.replace(applied.report.tip.slice(0, 12), tip),
      report: {
        ...applied.report,
        tip,
        intervening_commits: await Promise.all(
          applied.report.intervening_commits.map(async (commit) => ({
            ...commit,
            commit: await tree(commit.commit),
          })),
        ),
      },
    });
  }
  const status = (await runGit(['status', '--porcelain', '--ignored'], { cwd: worktree.path })).stdout;
  return { chain, left, worktree: { head: await tree(await worktree.head()), status } };
}

function contextOf(runtime: QueueRuntime, worktree: Worktree): BuildContext {
  return {
    runtime,
    worker: 'builder',
    worktree,
    prepareWorktree: async (commit) => {
      await worktree.resetTo(commit);
      return worktree;
    },
  };
}

/** Builds `entries` with {@link buildCandidate}, counting git runs by command, and summarises the build. */
async function build(runtime: QueueRuntime, entries: readonly QueueEntry[], tip: string, base: string) {
  const worktree = await worktreeAt('built', base);
  const commands: string[] = [];
  observeGitCommands(({ args }) => commands.push(args[0]!));
  const built = await buildCandidate(contextOf(runtime, worktree), entries, tip, base, 'batch-1');
  // As the worker does after the build turn: a chain built in one go is checked out only now.
  const head = chainHead(built);
  if (built.checkedOut === undefined) await worktree.resetTo(head);
  else if (built.checkedOut !== head) await worktree.checkoutDetached(head);
  observeGitCommands(undefined);
  const recorded = new Map<string, Record<string, unknown>>();
  for (const entry of entries) {
    const events = await fixture!.store.listEvents({ entryId: entry.id });
    const applied = events.filter((event) => event.type === 'entry:applied');
    if (applied.length > 0) recorded.set(entry.id, applied[0]!.data);
    const committed = events.find((event) => event.type === 'entry:committed');
    const link = built.links.find((candidate) => candidate.entry.id === entry.id);
    expect(committed?.data['commit']).toBe(link?.commit);
    expect(committed?.data['parent']).toBe(link?.parent);
  }
  const summary = await summarise(
    built.links.map((link) => ({
      id: link.entry.id,
      commit: link.commit,
      parent: link.parent,
      event: recorded.get(link.entry.id)!,
    })),
    built.unapplied.map((left) => ({ id: left.entry.id, applied: left.applied })),
    built.worktree,
  );
  const count = (command: string) => commands.filter((name) => name === command).length;
  return { built, summary, recorded, commands, count };
}

describe('a batch whose one-apply fails', () => {
  it('sets aside the entries that do not apply: the same chain, events and reports as one at a time, with fewer git runs', async () => {
    const { entries, runtime, tip } = await eightEntries();
    const reference = await oneAtATime(runtime, entries, tip);
    const { built, summary, recorded, commands, count } = await build(runtime, entries, tip, tip);
    expect(summary).toEqual(reference.summary);
    // The chain keeps the submission order: c (conflicted) left out, f (auto-rebased) in its place.
    expect(built.links.map((link) => link.entry.task_id)).toEqual([
      'T-a',
      'T-b',
      'T-d',
      'T-e',
      'T-f',
      'T-g',
      'T-h',
    ]);
    expect(built.links.map((link) => link.parent)).toEqual([
      tip,
      ...built.links.slice(0, -1).map((link) => link.commit),
    ]);
    expect(built.unapplied.map((left) => [left.entry.task_id, left.applied.outcome])).toEqual([
      ['T-c', 'conflicted'],
    ]);
    expect(recorded.get(entries[5]!.id)?.['mode']).toBe('three-way');
    // Before: a failed one-apply, a reset, eight applies one at a time and two auto-rebases with a
    // reset (checkout and clean) on the base and on the tip each: 29 git runs. Now: the failed
    // one-apply, three one-applies (a b, d e, g h), c and f alone.
    expect(count('apply')).toBe(1 + 3 + 2 + 2);
    // The one-applies go in a throw-away index (a read-tree each), on no checkout: the worktree
    // is reset once, for c (alone, on b), checked out at e for f, and at h after the build. f goes
    // on its base in a throw-away index too: no checkout of the base and back.
    expect(count('clean')).toBe(1);
    expect(count('checkout')).toBe(3);
    // 24 git runs (18 when the one-applies went on the checkout): a read-tree per one-apply and
    // two checkouts more, the price of a build turn that writes no file in the common case.
    expect(commands.length).toBeLessThanOrEqual(24);
  });

  it('goes one at a time when git refuses the batch for a reason it does not name (two entries on one file)', async () => {
    const { entries, runtime, tip } = await eightEntries();
    const again = await fixture!.queue.submit(
      changeRequest('T-a2', 'a.txt', replaceFilePatch('a.txt', LINES, LINES.replace('2\n', 'two\n'))),
    );
    const batch = [entries[0]!, entries[2]!, await fixture!.store.requireEntry(again.id), entries[3]!];
    const reference = await oneAtATime(runtime, batch, tip);
    const { summary } = await build(runtime, batch, tip, tip);
    expect(summary).toEqual(reference.summary);
  });

  it('on a speculative base, builds no conflict report (no git log) for the entries it then tries on the tip', async () => {
    const { entries, runtime, tip } = await eightEntries();
    // A candidate in flight on the tip, on a file of its own.
    const speculative = await worktreeAt('in-flight', tip);
    writeFileSync(join(speculative.path, 'z.txt'), 'z\n');
    writeFileSync(join(speculative.path, 'd.txt'), LINES.replace('1\n', 'in flight\n'));
    const base = await speculative.commit({ message: 'in flight' });
    const batch = entries.slice(0, 4);
    const { built, count } = await build(runtime, batch, tip, base);
    // d conflicts with the candidate in flight only: deferred. c conflicts with the tip.
    expect(built.links.map((link) => link.entry.task_id)).toEqual(['T-a', 'T-b']);
    expect(built.deferred.map((entry) => entry.task_id)).toEqual(['T-d']);
    const [left] = built.unapplied;
    expect(left?.applied.outcome).toBe('conflicted');
    if (left?.applied.outcome !== 'conflicted') return;
    // The report kept is the tip's, with the commit that changed c.txt on it.
    expect(left.applied.report.tip).toBe(tip);
    expect(left.applied.report.intervening_commits).toEqual([
      expect.objectContaining({ subject: expect.stringMatching(/^main moves/) as string, paths: ['c.txt'] }),
    ]);
    expect(count('log')).toBe(1);
    // One reset (checkout and clean) before the chain; checkouts alone to the tip and back.
    expect(count('clean')).toBe(1);
    expect(count('checkout')).toBe(3);
    expect(await built.worktree.head()).toBe(built.links.at(-1)!.commit);
  });
});
