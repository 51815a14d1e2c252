import { chmod, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitRepository } from './git-repository.js';
import { formatHyperionTrailers } from './hyperion-trailers.js';
import { LocalBranchTarget } from './landing-target.js';
import { RemoteBranchTarget } from './remote-branch-target.js';
import { runGit } from './run-git.js';
import { createTemporaryRepository } from './testing/temporary-repository.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A bare repository (the shared remote) seeded with one commit on `main`, and `clones` clones of it. */
async function remoteWithClones(clones: number): Promise<{
  directory: string;
  remote: string;
  repositories: GitRepository[];
  targets: RemoteBranchTarget[];
}> {
  const seed = await createTemporaryRepository({ files: { 'shared.txt': 'base\n' } });
  cleanups.push(seed.cleanup);
  const directory = await realpath(await mkdtemp(join(tmpdir(), 'hyperion-remote-')));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  const remote = join(directory, 'remote.git');
  await runGit(['clone', '--quiet', '--bare', seed.root, remote], { cwd: directory });
  const repositories: GitRepository[] = [];
  for (let index = 0; index < clones; index += 1) {
    const path = join(directory, `clone-${index}`);
    await runGit(['clone', '--quiet', remote, path], { cwd: directory });
    repositories.push(await GitRepository.open(path));
  }
  const targets = repositories.map((repository) => new RemoteBranchTarget(repository, { remote: 'origin' }));
  return { directory, remote, repositories, targets };
}

let commitSequence = 0;
/** A new commit on top of `parent` in `repository` that writes `content` to `path` (in a worktree of its own). */
async function commitOn(
  repository: GitRepository,
  parent: string,
  path: string,
  content: string,
  trailers?: { change: string; patch: string },
): Promise<string> {
  commitSequence += 1;
  const worktree = await repository.addWorktree(`${repository.root}-work-${commitSequence}`, parent);
  cleanups.push(() => rm(worktree.path, { recursive: true, force: true }));
  await writeFile(join(worktree.path, path), content);
  const message =
    trailers === undefined
      ? `Write ${path}`
      : `Write ${path}\n\n${formatHyperionTrailers({ task: 'task-1', ...trailers })}`;
  return worktree.commit({ message });
}

async function remoteTip(remote: string): Promise<string> {
  return (await runGit(['rev-parse', 'refs/heads/main'], { cwd: remote })).stdout.trim();
}

describe('RemoteBranchTarget', () => {
  it('reads the tip by fetching it: a landing made from another clone is seen, its objects included', async () => {
    const { remote, repositories, targets } = await remoteWithClones(2);
    const [first, second] = targets as [RemoteBranchTarget, RemoteBranchTarget];
    const base = await first.tip('main');
    expect(base).toBe(await remoteTip(remote));
    const candidate = await commitOn(repositories[1]!, base, 'shared.txt', 'second\n');
    expect(await second.land('main', candidate, base)).toEqual({ status: 'landed', commit: candidate });
    expect(await remoteTip(remote)).toBe(candidate);
    // The landing clone's remote-tracking ref follows its push; the other clone sees it after a fetch.
    expect(await second.knownTip('main')).toBe(candidate);
    expect(await first.knownTip('main')).toBe(base);
    expect(await first.tip('main')).toBe(candidate);
    expect(await repositories[0]!.readCommitMessage(candidate)).toBe('Write shared.txt\n');
    // The clone's own branch is not moved: Hyperion lands on the remote.
    expect(await repositories[0]!.resolveRef('refs/heads/main')).toBe(base);
  });

  it('waits out another worker’s half-made worktree (HEAD still the null id) instead of failing the fetch', async () => {
    const { repositories, targets } = await remoteWithClones(2);
    const [first, second] = targets as [RemoteBranchTarget, RemoteBranchTarget];
    const base = await first.tip('main');
    const candidate = await commitOn(repositories[1]!, base, 'shared.txt', 'second\n');
    expect(await second.land('main', candidate, base)).toEqual({ status: 'landed', commit: candidate });
    // What `git worktree add` leaves for a moment in the first clone: a worktree whose HEAD is the
    // null id. A fetch that reads it then fails with "bad object worktrees/<name>/HEAD".
    const administrative = join(repositories[0]!.root, '.git', 'worktrees', 'being-added');
    await mkdir(administrative, { recursive: true });
    await writeFile(join(administrative, 'HEAD'), `${'0'.repeat(40)}\n`);
    await writeFile(join(administrative, 'commondir'), '../..\n');
    await writeFile(join(administrative, 'gitdir'), `${repositories[0]!.root}-being-added/.git\n`);
    const finished = setTimeout(() => void rm(administrative, { recursive: true, force: true }), 400);
    try {
      expect(await first.tip('main')).toBe(candidate);
    } finally {
      clearTimeout(finished);
      await rm(administrative, { recursive: true, force: true });
    }
  });

  it('lets exactly one of two clones win each race on the same tip; the loser gets the winner as the tip', async () => {
    const { remote, repositories, targets } = await remoteWithClones(2);
    let tip = await targets[0]!.tip('main');
    await targets[1]!.tip('main');
    for (let round = 0; round < 6; round += 1) {
      const candidates = await Promise.all(
        repositories.map((repository, index) =>
          commitOn(repository, tip, 'shared.txt', `round ${round} clone ${index}\n`),
        ),
      );
      const results = await Promise.all(
        targets.map((target, index) => target.land('main', candidates[index]!, tip)),
      );
      const winners = results.filter((result) => result.status === 'landed');
      const losers = results.filter((result) => result.status === 'race_lost');
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const winner = winners[0]!.status === 'landed' ? winners[0]!.commit : '';
      expect(losers[0]).toEqual({ status: 'race_lost', currentTip: winner });
      expect(await remoteTip(remote)).toBe(winner);
      tip = winner;
    }
    // Every round moved the remote by exactly one first-parent commit.
    const history = await runGit(['rev-list', '--first-parent', '--count', 'main'], { cwd: remote });
    expect(history.stdout.trim()).toBe('7');
  });

  it('reports a stale expected tip as a lost race and leaves the remote alone', async () => {
    const { remote, repositories, targets } = await remoteWithClones(2);
    const base = await targets[0]!.tip('main');
    const other = await commitOn(repositories[1]!, base, 'other.txt', 'x\n');
    await targets[1]!.land('main', other, base);
    // The first clone has not fetched since: its candidate is built on the old tip.
    const stale = await commitOn(repositories[0]!, base, 'shared.txt', 'stale\n');
    expect(await targets[0]!.land('main', stale, base)).toEqual({ status: 'race_lost', currentTip: other });
    expect(await remoteTip(remote)).toBe(other);
    expect(await targets[0]!.knownTip('main')).toBe(other);
  });

  it('never lands a commit the remote branch moved past, even as a fast-forward', async () => {
    const { remote, repositories, targets } = await remoteWithClones(1);
    const base = await targets[0]!.tip('main');
    const first = await commitOn(repositories[0]!, base, 'a.txt', 'a\n');
    const second = await commitOn(repositories[0]!, first, 'b.txt', 'b\n');
    await targets[0]!.land('main', first, base);
    // `second` fast-forwards from `first`, but it was built and checked on `base`: the lease says no.
    expect(await targets[0]!.land('main', second, base)).toEqual({ status: 'race_lost', currentTip: first });
    expect(await remoteTip(remote)).toBe(first);
  });

  it('throws git_failed with the remote words when the remote refuses for another reason', async () => {
    const { remote, repositories, targets } = await remoteWithClones(1);
    const base = await targets[0]!.tip('main');
    const hook = join(remote, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "policy says no" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    const candidate = await commitOn(repositories[0]!, base, 'shared.txt', 'refused\n');
    await expect(targets[0]!.land('main', candidate, base)).rejects.toMatchObject({
      code: 'git_failed',
      message:
        "the push to 'main' on remote 'origin' was refused: [remote rejected] (pre-receive hook declined)",
    });
    expect(await remoteTip(remote)).toBe(base);
  });

  it('finds a landed change on the fetched remote branch, from any clone', async () => {
    const { repositories, targets } = await remoteWithClones(2);
    const base = await targets[0]!.tip('main');
    const proof = { changeId: 'change-1', patchHash: 'a'.repeat(64) };
    const landed = await commitOn(repositories[0]!, base, 'shared.txt', 'landed\n', {
      change: proof.changeId,
      patch: proof.patchHash,
    });
    await targets[0]!.land('main', landed, base);
    expect(await targets[1]!.findLandedChange('main', proof)).toBeUndefined();
    await targets[1]!.tip('main');
    expect(await targets[1]!.findLandedChange('main', proof)).toBe(landed);
    expect(await targets[1]!.findLandedChange('main', { ...proof, changeId: 'change-2' })).toBeUndefined();
  });

  it('names the remote and the branch when the remote has no such branch, or the clone no such remote', async () => {
    const { repositories, targets } = await remoteWithClones(1);
    await expect(targets[0]!.tip('release')).rejects.toMatchObject({
      code: 'branch_not_found',
      message: expect.stringContaining("target branch 'release' on remote 'origin' does not exist"),
    });
    await expect(targets[0]!.requireKnownTip('release')).rejects.toMatchObject({ code: 'branch_not_found' });
    const upstream = new RemoteBranchTarget(repositories[0]!, { remote: 'upstream' });
    await expect(upstream.tip('main')).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining("has no git remote 'upstream'"),
    });
    await expect(targets[0]!.tip('bad..name')).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('refuses a remote name that git would read as an option', async () => {
    const { repositories } = await remoteWithClones(1);
    for (const remote of ['--upload-pack=touch pwned', '-v', 'origin\u001b[2J', '']) {
      expect(() => new RemoteBranchTarget(repositories[0]!, { remote })).toThrow(
        expect.objectContaining({ code: 'invalid_input', message: expect.stringMatching(/^remote: /) }),
      );
    }
  });

  it('fails with remote_unavailable naming the remote when it cannot be reached, without a password in the message', async () => {
    const { directory, repositories } = await remoteWithClones(1);
    const clone = repositories[0]!;
    await runGit(
      ['remote', 'add', 'gone', `file://user:secret-password@localhost${join(directory, 'missing.git')}`],
      {
        cwd: clone.root,
      },
    );
    const gone = new RemoteBranchTarget(clone, { remote: 'gone' });
    const error = await gone.tip('main').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      code: 'remote_unavailable',
      message: expect.stringMatching(/^could not fetch 'main' on remote 'gone': /),
      details: expect.objectContaining({ remote: 'gone', branch: 'main' }),
    });
    expect(JSON.stringify(error)).not.toContain('secret-password');
  });

  it('says remote_unavailable when a push cannot reach the remote, and leaves the branch alone', async () => {
    const { directory, remote, repositories, targets } = await remoteWithClones(1);
    const clone = repositories[0]!;
    const base = await targets[0]!.tip('main');
    const candidate = await commitOn(clone, base, 'shared.txt', 'unreachable\n');
    await runGit(['remote', 'set-url', 'origin', join(directory, 'moved-away.git')], { cwd: clone.root });
    await expect(targets[0]!.land('main', candidate, base)).rejects.toMatchObject({
      code: 'remote_unavailable',
      details: expect.objectContaining({ remote: 'origin', branch: 'main' }),
    });
    expect(await remoteTip(remote)).toBe(base);
  });

  it('reports landed when the push moved the remote branch but its connection then hung past the timeout', async () => {
    const { remote, repositories } = await remoteWithClones(1);
    const clone = repositories[0]!;
    // receive-pack updates the ref, then its post-receive hook keeps the connection open.
    const hook = join(remote, 'hooks', 'post-receive');
    await writeFile(hook, '#!/bin/sh\nsleep 60\n');
    await chmod(hook, 0o755);
    const hanging = new RemoteBranchTarget(clone, { remote: 'origin', timeoutMs: 1_500 });
    const base = await hanging.tip('main');
    const candidate = await commitOn(clone, base, 'shared.txt', 'landed, then hung\n');
    expect(await hanging.land('main', candidate, base)).toEqual({ status: 'landed', commit: candidate });
    expect(await remoteTip(remote)).toBe(candidate);
    expect(await hanging.knownTip('main')).toBe(candidate);
  });

  it('checks the remote again after a failed check: a remote added later is used', async () => {
    const { remote, repositories } = await remoteWithClones(1);
    const clone = repositories[0]!;
    const upstream = new RemoteBranchTarget(clone, { remote: 'upstream' });
    await expect(upstream.tip('main')).rejects.toMatchObject({ code: 'invalid_input' });
    await runGit(['remote', 'add', 'upstream', remote], { cwd: clone.root });
    expect(await upstream.tip('main')).toBe(await remoteTip(remote));
  });

  it('stops a remote that does not answer after the timeout instead of hanging', async () => {
    const { repositories } = await remoteWithClones(1);
    const clone = repositories[0]!;
    // The remote's upload-pack never answers (it sleeps), as a dead host behind a firewall.
    await runGit(['config', 'remote.origin.uploadpack', 'sleep 30; git-upload-pack'], { cwd: clone.root });
    const slow = new RemoteBranchTarget(clone, { remote: 'origin', timeoutMs: 300 });
    await expect(slow.tip('main')).rejects.toMatchObject({
      code: 'remote_unavailable',
      message:
        "fetching 'main' on remote 'origin' failed: the remote did not answer within 0.3 s (or git could not start)",
    });
  });
});

describe('LocalBranchTarget', () => {
  it('reads and lands on the repository branch by compare-and-swap', async () => {
    const created = await createTemporaryRepository();
    cleanups.push(created.cleanup);
    const target = new LocalBranchTarget(created.repository);
    const base = await target.tip('main');
    expect(await target.knownTip('main')).toBe(base);
    const candidate = await commitOn(created.repository, base, 'README.md', 'changed\n');
    const stale = await commitOn(created.repository, base, 'README.md', 'stale\n');
    expect(await target.land('main', candidate, base)).toEqual({ status: 'landed', commit: candidate });
    expect(await target.land('main', stale, base)).toEqual({ status: 'race_lost', currentTip: candidate });
    await expect(target.tip('missing')).rejects.toMatchObject({ code: 'branch_not_found' });
  });
});
