import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

function changeFile(value: unknown): string {
  const file = join(temporaryDirectory('hyperion-change'), 'change.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('humans in the loop, from the command line', () => {
  it('holds a lockfile change for approval, lists it, approves it with who, lands it, and rolls it back', async () => {
    temporary = await createTemporaryRepository({ files: { 'pnpm-lock.yaml': 'lockfileVersion: 9\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    const patch =
      'diff --git a/pnpm-lock.yaml b/pnpm-lock.yaml\n--- a/pnpm-lock.yaml\n+++ b/pnpm-lock.yaml\n@@ -1 +1 @@\n-lockfileVersion: 9\n+lockfileVersion: 10\n';
    const submitted = await hyperion([
      'submit',
      changeFile({
        task_id: 'T-lock',
        agent: 'elsewhere',
        changes: [{ path: 'pnpm-lock.yaml', operation: 'update', patch }],
      }),
      '--repo',
      root,
      '--json',
    ]);
    const entry = JSON.parse(submitted.stdout) as { id: string; state: string };
    expect(entry.state).toBe('awaiting_approval');
    const awaiting = JSON.parse(
      (await hyperion(['queue', 'list', '--awaiting', '--repo', root, '--json'])).stdout,
    ) as Array<{ id: string }>;
    expect(awaiting.map((item) => item.id)).toEqual([entry.id]);
    const drained = await hyperion(['worker', '--drain', '--repo', root, '--json']);
    expect(JSON.parse(drained.stdout)).toEqual({ mode: 'drain', summary: {} });
    const approved = await hyperion([
      'approve',
      entry.id,
      '--by',
      'alice',
      '--note',
      'checked',
      '--repo',
      root,
    ]);
    expect(approved.stdout).toMatch(/approved \(now queued/);
    expect((await hyperion(['worker', '--drain', '--repo', root])).code).toBe(0);
    const shown = JSON.parse(
      (await hyperion(['queue', 'show', entry.id, '--repo', root, '--json'])).stdout,
    ) as {
      entry: { state: string };
      events: Array<{ type: string; data: Record<string, unknown> }>;
    };
    expect(shown.entry.state).toBe('landed');
    expect(shown.events.find((event) => event.type === 'entry:approved')?.data).toEqual({
      by: 'alice',
      note: 'checked',
    });
    const preview = await hyperion(['rollback', 'T-lock', '--dry-run', '--repo', root, '--json']);
    expect(JSON.parse(preview.stdout)).toMatchObject({
      dry_run: true,
      reverts: [{ original: entry.id, revert: null }],
    });
    expect((await hyperion(['rollback', 'T-lock', '--repo', root])).code).toBe(0);
    expect((await hyperion(['worker', '--drain', '--repo', root])).code).toBe(0);
    const after = JSON.parse(
      (await hyperion(['queue', 'show', entry.id, '--repo', root, '--json'])).stdout,
    ) as { entry: { state: string } };
    expect(after.entry.state).toBe('rolled_back');
    expect((await runGit(['show', 'main:pnpm-lock.yaml'], { cwd: root })).stdout).toBe(
      'lockfileVersion: 9\n',
    );
  });

  it('rejects with a reason, refuses to approve a rejected entry (exit 7), and pause/resume switch the queue', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const root = temporary.root;
    await hyperion(['init', '--repo', root]);
    const patch =
      'diff --git a/a.txt b/a.txt\ndeleted file mode 100644\n--- a/a.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n';
    const submitted = await hyperion([
      'submit',
      changeFile({ task_id: 'T-del', agent: 'x', changes: [{ path: 'a.txt', operation: 'delete', patch }] }),
      '--repo',
      root,
      '--json',
    ]);
    const { id } = JSON.parse(submitted.stdout) as { id: string };
    expect((await hyperion(['reject', id, '--repo', root])).code).toBe(2);
    expect(
      (await hyperion(['reject', id, '--reason', 'keep a.txt', '--by', 'bob', '--repo', root])).code,
    ).toBe(0);
    const again = await hyperion(['approve', id, '--repo', root]);
    expect(again.code).toBe(7);
    expect(again.stderr).toMatch(/^error\[invalid_state\]: cannot approve .*: it is rejected/);
    expect((await hyperion(['pause', '--repo', root])).stdout).toBe('queue: paused\n');
    expect((await hyperion(['resume', '--repo', root])).stdout).toBe('queue: running\n');
  });
});
