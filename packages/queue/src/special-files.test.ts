import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { ChangeRequest } from '@hyperion/schema';
import { refusal, createQueueFixture, type QueueFixture } from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A git patch creating a symlink at `path` that points to `target`, as `git diff` writes it. */
function symlinkPatch(path: string, target: string): string {
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 120000',
    '--- /dev/null',
    `+++ b/${path}`,
    '@@ -0,0 +1 @@',
    `+${target}`,
    '\\ No newline at end of file',
    '',
  ].join('\n');
}

const SUBMODULE_COMMIT = '0123456789abcdef0123456789abcdef01234567';

function gitlinkPatch(path: string): string {
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 160000',
    `index 0000000..${SUBMODULE_COMMIT.slice(0, 7)}`,
    '--- /dev/null',
    `+++ b/${path}`,
    '@@ -0,0 +1 @@',
    `+Subproject commit ${SUBMODULE_COMMIT}`,
    '',
  ].join('\n');
}

function nulPatch(path: string): string {
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    '--- /dev/null',
    `+++ b/${path}`,
    '@@ -0,0 +1,2 @@',
    '+text before',
    '+\u0000\u0001\u0002 binary after',
    '',
  ].join('\n');
}

function create(taskId: string, path: string, patch: string): ChangeRequest {
  return { task_id: taskId, agent: 'test', changes: [{ path, operation: 'create', patch }] };
}

/** `git ls-tree` of one path on the target branch: `<mode> <type> <object>`, or '' when absent. */
async function treeEntry(path: string): Promise<string> {
  const listed = await runGit(['ls-tree', 'main', '--', path], { cwd: fixture!.temporary.root });
  return listed.stdout.split('\t')[0] ?? '';
}

/** Submits, checks the entry waits through a drain, approves it, drains again; returns the entry. */
async function landsOnlyAfterApproval(change: ChangeRequest, reason: RegExp) {
  const queue = fixture!.queue;
  const entry = await queue.submitChecked(change);
  expect(entry.state).toBe('awaiting_approval');
  const risk = (await fixture!.store.listEvents({ entryId: entry.id }))[0]?.data['risk'] as string[];
  expect(risk.join('; ')).toMatch(reason);
  expect(await queue.runWorkers({ mode: 'drain' })).toEqual({});
  expect((await fixture!.store.requireEntry(entry.id)).state).toBe('awaiting_approval');
  expect(await treeEntry(change.changes[0]!.path)).toBe('');
  await queue.approve(entry.id, { by: 'alice' });
  expect(await queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
  return fixture!.store.requireEntry(entry.id);
}

describe('symlinks, gitlinks and binary content in patches', () => {
  it('refuses a symlink pointing outside the repository, naming the field, and stores nothing', async () => {
    fixture = await createQueueFixture({ files: { 'docs/guide.md': '# guide\n' } });
    for (const [path, target, reason] of [
      [
        'docs/link',
        '../../outside',
        /the symlink 'docs\/link' points outside the repository \('\.\.\/\.\.\/outside'\)/,
      ],
      ['passwd', '/etc/passwd', /the symlink 'passwd' points to the absolute path '\/etc\/passwd'/],
      ['hooks', '.git/hooks', /which is under \.git\//],
    ] as const) {
      const error = await refusal(() =>
        fixture!.queue.submitChecked(create('T-out', path, symlinkPatch(path, target))),
      );
      expect(error.code).toBe('unsafe_path');
      expect(error.message).toMatch(/^changes\[0\]\.patch: /);
      expect(error.message).toMatch(reason);
      expect(error.details['field']).toBe('changes[0].patch');
    }
    expect(await fixture.store.listEntries()).toEqual([]);
  });

  it('lands a symlink inside the repository only after approval', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': '# r\n' } });
    const entry = await landsOnlyAfterApproval(
      create('T-in', 'docs/readme-link', symlinkPatch('docs/readme-link', '../README.md')),
      /creates or changes symlinks: docs\/readme-link -> \.\.\/README\.md/,
    );
    expect(entry.state).toBe('landed');
    expect(await treeEntry('docs/readme-link')).toMatch(/^120000 blob /);
  });

  it('lands a gitlink only after approval', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': '# r\n' } });
    await landsOnlyAfterApproval(
      create('T-gitlink', 'vendor/lib', gitlinkPatch('vendor/lib')),
      /changes gitlinks \(submodule commits\): vendor\/lib/,
    );
    expect(await treeEntry('vendor/lib')).toBe(`160000 commit ${SUBMODULE_COMMIT}`);
  });

  it('refuses a text hunk with NUL bytes unless binaries are allowed, and then holds it for approval', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': '# r\n' } });
    const error = await refusal(() =>
      fixture!.queue.submitChecked(create('T-nul', 'data.bin', nulPatch('data.bin'))),
    );
    expect(error.message).toBe(
      'changes[0].patch: adds content with NUL bytes, which git treats as binary; set queue.allow_binary to accept binary patches',
    );
    await fixture.cleanup();
    fixture = await createQueueFixture({
      files: { 'README.md': '# r\n' },
      config: { queue: { allow_binary: true } },
    });
    await landsOnlyAfterApproval(
      create('T-nul', 'data.bin', nulPatch('data.bin')),
      /content with NUL bytes \(binary to git\): data\.bin/,
    );
    const shown = await runGit(['show', 'main:data.bin'], { cwd: fixture.temporary.root });
    expect(shown.stdout).toContain('\u0000\u0001\u0002 binary after');
  });

  it('quarantines, in the worker, a patch that retargets an existing symlink outside without naming its mode', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': '# r\n' } });
    const root = fixture.temporary.root;
    await symlink('README.md', join(root, 'link'));
    await runGit(['add', 'link'], { cwd: root });
    await runGit(['-c', 'user.name=p', '-c', 'user.email=p@p', 'commit', '-qm', 'a link'], { cwd: root });
    const patch = [
      '--- a/link',
      '+++ b/link',
      '@@ -1 +1 @@',
      '-README.md',
      '\\ No newline at end of file',
      '+/etc/passwd',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    const entry = await fixture.queue.submitChecked({
      task_id: 'T-retarget',
      agent: 'test',
      changes: [{ path: 'link', operation: 'update', patch }],
    });
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ quarantined: 1 });
    const after = await fixture.store.requireEntry(entry.id);
    expect(after.last_error).toBe(
      'unsafe path: after the patch, link is a symlink resolving outside the repository',
    );
    expect(await treeEntry('link')).toMatch(/^120000 blob /);
    const target = await runGit(['cat-file', '-p', 'main:link'], { cwd: root });
    expect(target.stdout).toBe('README.md');
  });
});
