import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { BIN, hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

const patch = (path: string): string =>
  `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${path}\n+changed\n`;

async function submit(root: string, path: string): Promise<string> {
  const file = join(temporaryDirectory('hyperion-trail'), 'change.json');
  writeFileSync(
    file,
    JSON.stringify({
      task_id: `T-${path}`,
      agent: 'test',
      changes: [{ path, operation: 'update', patch: patch(path) }],
    }),
  );
  const run = await hyperion(['submit', file, '--repo', root, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { id: string }).id;
}

describe('hyperion log (the audit trail)', { timeout: 180_000 }, () => {
  it('prints every event oldest first, filters by entry, and shows stored control characters as text', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a.txt\n', 'b.txt': 'b.txt\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    const first = await submit(root, 'a.txt');
    const second = await submit(root, 'b.txt');
    expect((await hyperion(['cancel', second, '--reason', 'bad \x1b[31mred\x07', '--repo', root])).code).toBe(
      0,
    );

    const all = await hyperion(['log', '--repo', root]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^#1 \\S+ ${first} entry:enqueued ∅ → queued`));
    expect(lines[2]).toMatch(new RegExp(`${second} entry:cancelled queued → cancelled`));
    expect(all.stdout.includes('\x1b') || all.stdout.includes('\x07')).toBe(false);
    expect(lines[2]).toContain('\\x1b[31mred');

    const one = await hyperion(['log', '--entry', first, '--json', '--repo', root]);
    const events = one.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { entry_id: string });
    expect(events.map((event) => event.entry_id)).toEqual([first]);
    const last = await hyperion(['log', '--last', '1', '--repo', root]);
    expect(last.stdout.trim().split('\n')).toHaveLength(1);
    // The subcommands keep their own options.
    expect((await hyperion(['log', 'verify', '--repo', root])).code).toBe(0);
  });

  it('--follow prints events written after it started, and ends on SIGTERM with exit 0', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a.txt\n', 'b.txt': 'b.txt\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    await submit(root, 'a.txt');
    const follower = spawn(process.execPath, [BIN, 'log', '--follow', '--json', '--repo', root], {
      env: { ...process.env, HYPERION_LOG: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const seen = (count: number): Promise<void> =>
      new Promise((resolve) => {
        const look = (): void => {
          if (stdout.split('\n').filter((line) => line.trim() !== '').length >= count) resolve();
        };
        follower.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          look();
        });
        look();
      });
    const exited = new Promise<number | null>((resolve) => follower.on('close', (code) => resolve(code)));
    try {
      await seen(1);
      const later = await submit(root, 'b.txt');
      await seen(2);
      expect(stdout).toContain(`"entry_id":"${later}"`);
      follower.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      follower.kill('SIGKILL');
    }
  });
});
