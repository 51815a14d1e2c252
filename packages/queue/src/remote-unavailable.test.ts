import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitRepository, RemoteBranchTarget, runGit } from '@hyperion/git';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A fixture whose repository lands on `origin`, a bare clone of it in the fixture's directory. */
async function fixtureWithRemote(): Promise<{ fixture: QueueFixture; remote: string }> {
  const created = await createQueueFixture({
    files: { 'a.txt': 'one\n' },
    config: { remote: 'origin', queue: { max_attempts: 1 } },
  });
  const remote = join(created.temporary.root, '.hyperion', 'remote.git');
  const cwd = created.temporary.root;
  await runGit(['clone', '--quiet', '--bare', cwd, remote], { cwd });
  await runGit(['remote', 'add', 'origin', remote], { cwd });
  await runGit(['fetch', '--quiet', 'origin'], { cwd });
  return { fixture: created, remote };
}

async function remoteFile(remote: string, path: string): Promise<string> {
  return (await runGit(['show', `main:${path}`], { cwd: remote })).stdout;
}

describe('a remote that is down is never the change’s fault (promise 9)', () => {
  it('hands the entry back uncharged when the remote cannot be reached, and lands it once it can', async () => {
    const created = await fixtureWithRemote();
    fixture = created.fixture;
    const cwd = fixture.temporary.root;
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    await runGit(['remote', 'set-url', 'origin', join(cwd, '.hyperion', 'gone.git')], { cwd });
    const worker = fixture.queue.createWorker();
    await expect(worker.processNext()).rejects.toMatchObject({
      code: 'remote_unavailable',
      message: expect.stringContaining("'main' on remote 'origin'"),
    });
    await worker.dispose();
    // max_attempts is 1: a charged attempt would have quarantined the change.
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({ state: 'queued', attempts: 0 });
    const returned = (await fixture.store.listEvents({ entryId: entry.id })).filter(
      (event) => event.type === 'entry:lease_returned',
    );
    expect(returned).toHaveLength(1);
    expect(returned[0]!.data).toMatchObject({ reason: expect.stringContaining("remote 'origin'") });
    // The workers stop with the error instead of working through the queue against a dead remote.
    await expect(fixture.queue.runWorkers({ mode: 'drain' })).rejects.toMatchObject({
      code: 'remote_unavailable',
    });
    await runGit(['remote', 'set-url', 'origin', created.remote], { cwd });
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({ state: 'landed', attempts: 1 });
    expect(await remoteFile(created.remote, 'a.txt')).toBe('two\n');
  });

  it('hands back a change whose push moved the branch before the remote went away; the next attempt finds it landed', async () => {
    const created = await fixtureWithRemote();
    fixture = created.fixture;
    const away = `${created.remote}-away`;
    // receive-pack updates the ref; then its post-receive hook takes the remote away and holds
    // the connection open past the push's timeout, so the fetch that follows fails too.
    const hook = join(created.remote, 'hooks', 'post-receive');
    await writeFile(hook, `#!/bin/sh\nmv "$PWD" '${away}'\nsleep 60\n`);
    await chmod(hook, 0o755);
    const queue = fixture.openAnotherQueue({
      landing: new RemoteBranchTarget(fixture.temporary.repository, { remote: 'origin', timeoutMs: 3_000 }),
    });
    const entry = await queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    const worker = queue.createWorker();
    await expect(worker.processNext()).rejects.toMatchObject({ code: 'remote_unavailable' });
    await worker.dispose();
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({ state: 'queued', attempts: 0 });
    await rename(away, created.remote);
    await rm(hook);
    const landedCommit = (await runGit(['rev-parse', 'main'], { cwd: created.remote })).stdout.trim();
    expect(await remoteFile(created.remote, 'a.txt')).toBe('two\n');
    expect(await queue.runWorkers({ mode: 'drain' })).toEqual({ already_landed: 1 });
    expect(await fixture.store.requireEntry(entry.id)).toMatchObject({
      state: 'landed',
      attempts: 1,
      landed_commit: landedCommit,
    });
  });

  it('rolls back from a clone that never fetched the landed commit', async () => {
    const created = await fixtureWithRemote();
    fixture = created.fixture;
    const otherClone = join(fixture.temporary.root, '.hyperion', 'other-clone');
    await runGit(['clone', '--quiet', created.remote, otherClone], { cwd: fixture.temporary.root });
    const entry = await fixture.queue.submit(
      changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'two\n')),
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    const landedCommit = (await fixture.store.requireEntry(entry.id)).landed_commit!;
    const missing = await runGit(['cat-file', '-e', `${landedCommit}^{commit}`], {
      cwd: otherClone,
      allowFailure: true,
    });
    expect(missing.exitCode).not.toBe(0);
    const otherQueue = fixture.openAnotherQueue({
      repository: await GitRepository.open(otherClone),
      worktreesDirectory: join(otherClone, '.hyperion', 'worktrees'),
    });
    const { plans } = await otherQueue.rollback(entry.id, { by: 'dave', dryRun: true });
    expect(plans.map((plan) => plan.original.id)).toEqual([entry.id]);
    expect(plans[0]!.change.changes).toMatchObject([{ path: 'a.txt', operation: 'update' }]);
    expect(plans[0]!.change.changes[0]!.patch).toContain('-two\n+one\n');
  });
});
