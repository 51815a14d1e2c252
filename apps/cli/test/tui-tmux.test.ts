import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { BIN, hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

const tmuxFound = spawnSync('tmux', ['-V']).status === 0;
if (!tmuxFound) console.warn('skipping the `hyperion tui` terminal test: tmux was not found on PATH');

const socket = `hyperion-tui-cli-${process.pid}`;
const session = 'tui';
let temporary: TemporaryRepository | undefined;
let workers: ChildProcess | undefined;

function tmux(...parts: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...parts], { encoding: 'utf8' });
}

function sessionAlive(): boolean {
  return spawnSync('tmux', ['-L', socket, 'has-session', '-t', session]).status === 0;
}

function screen(): string {
  return sessionAlive() ? tmux('capture-pane', '-p', '-t', session) : '(gone)';
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; the screen was:\n${screen()}`);
}

function changeFile(value: unknown): string {
  const file = join(temporaryDirectory('hyperion-tui-change'), 'change.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

interface ShownEntry {
  entry: { state: string };
  events: Array<{ type: string; data: Record<string, unknown> }>;
}

async function shown(root: string, id: string): Promise<ShownEntry> {
  return JSON.parse((await hyperion(['queue', 'show', id, '--repo', root, '--json'])).stdout) as ShownEntry;
}

afterEach(async () => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  if (workers !== undefined && workers.exitCode === null) {
    const exited = new Promise((resolve) => workers?.once('exit', resolve));
    workers.kill('SIGTERM');
    await exited;
  }
  workers = undefined;
  await temporary?.cleanup();
  temporary = undefined;
});

describe.skipIf(!tmuxFound)('hyperion tui in a real 80×24 terminal (tmux)', () => {
  it('attaches beside running workers, fits 80×24, approves the selected entry after y as HYPERION_USER, and the workers land it', async () => {
    temporary = await createTemporaryRepository({
      files: { 'pnpm-lock.yaml': 'lockfileVersion: 9\n', 'a.txt': 'a\n' },
    });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root, '--check', 'ok=test -f a.txt'])).code).toBe(0);
    const patch =
      'diff --git a/pnpm-lock.yaml b/pnpm-lock.yaml\n--- a/pnpm-lock.yaml\n+++ b/pnpm-lock.yaml\n@@ -1 +1 @@\n-lockfileVersion: 9\n+lockfileVersion: 10\n';
    const submitted = await hyperion([
      'submit',
      changeFile({
        task_id: 'T-lock',
        agent: 'elsewhere',
        summary: 'bump the lockfile',
        changes: [{ path: 'pnpm-lock.yaml', operation: 'update', patch }],
      }),
      '--repo',
      root,
      '--json',
    ]);
    const entry = JSON.parse(submitted.stdout) as { id: string; state: string };
    expect(entry.state).toBe('awaiting_approval');

    // Workers run in their own process; the dashboard only reads and acts.
    workers = spawn(process.execPath, [BIN, 'run', '--no-tui', '--repo', root], { stdio: 'ignore' });
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '80',
      '-y',
      '24',
      `env HYPERION_USER=dana ${process.execPath} ${BIN} tui --repo ${root}`,
    );
    await waitFor(
      () => screen().includes(entry.id) && screen().includes('1 change awaits approval — a to approve'),
      'the dashboard',
    );

    const lines = screen().split('\n');
    expect(lines[0]).toMatch(/^Hyperion ▸ \S+ +queued 0 · approval 1 · running 0 · landed 0 · failed 0/);
    const titled = (title: string) => lines.findIndex((line) => line.includes(title));
    for (const title of [
      'Queue: 1 approval',
      'Workers (',
      'Agents (',
      'Task history (',
      'Metrics',
      'Alerts (0)',
      'Next',
    ]) {
      expect(titled(title), title).toBeGreaterThan(0);
    }
    expect(lines[titled('Queue: 1 approval') + 1]).toMatch(new RegExp(`^›approval +${entry.id} +0/3`));
    expect(lines[titled('Metrics') + 1]).toContain('landed 0');
    expect(lines[titled('Next') + 1]).toContain('1 change awaits approval — a to approve');
    expect(lines.some((line) => line.startsWith('Tab pane ↑↓/jk move'))).toBe(true);

    tmux('send-keys', '-t', session, '?');
    await waitFor(
      () => screen().includes('Hyperion dashboard keys') && screen().includes('done by dana'),
      'the help',
    );
    tmux('send-keys', '-t', session, 'Escape');
    await waitFor(() => screen().includes('Tab pane'), 'the dashboard again');

    tmux('send-keys', '-t', session, 'a');
    await waitFor(() => screen().includes(`approve ${entry.id}? y to confirm`), 'the question');
    expect((await shown(root, entry.id)).entry.state).toBe('awaiting_approval');
    tmux('send-keys', '-t', session, 'y');
    await waitFor(() => screen().includes(`approved ${entry.id} as dana`), 'the approval');

    await waitFor(
      async () => (await shown(root, entry.id)).entry.state === 'landed',
      'the workers to land it',
    );
    const { events } = await shown(root, entry.id);
    expect(events.find((event) => event.type === 'entry:approved')?.data).toMatchObject({ by: 'dana' });
    await waitFor(
      () => new RegExp(`landed +${entry.id}`).test(screen()) && screen().includes('landed 1 ·'),
      'the landing on screen',
    );

    tmux('send-keys', '-t', session, 'q');
    await waitFor(() => !sessionAlive(), 'the dashboard to quit', 30_000);
  });

  it('refuses to start without a terminal', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    expect((await hyperion(['init', '--repo', temporary.root])).code).toBe(0);
    const run = await hyperion(['tui', '--repo', temporary.root]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error[usage]: hyperion tui needs a terminal');
  });
});
