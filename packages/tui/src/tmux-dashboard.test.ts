import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '@hyperion/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleEntry } from './testing/sample-entry.js';
import { waitFor } from './testing/wait-for.js';

const packageDirectory = dirname(dirname(fileURLToPath(import.meta.url)));
const tmuxFound = spawnSync('tmux', ['-V']).status === 0;
if (!tmuxFound) console.warn('skipping the real-terminal dashboard test: tmux was not found on PATH');

// A private server socket keeps the test away from any tmux the developer is using.
const socket = `hyperion-tui-test-${process.pid}`;
const session = 'dashboard';

function tmux(...arguments_: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...arguments_], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', session);
}

function sessionAlive(): boolean {
  return spawnSync('tmux', ['-L', socket, 'has-session', '-t', session]).status === 0;
}

describe.skipIf(!tmuxFound)('the dashboard in a real terminal (tmux)', () => {
  let directory: string;
  let databasePath: string;
  let exitFile: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-tui-tmux-'));
    databasePath = join(directory, '.hyperion', 'hyperion.db');
    exitFile = join(directory, 'exit-status');
    const store = SqliteStore.open(databasePath, { create: true });
    await store.insertRequest({
      id: 'request-tmux',
      summary: 'exercise the dashboard',
      status: 'enqueued',
      body: {},
    });
    await store.enqueue(sampleEntry('change-alpha', { request_id: 'request-tmux' }));
    await store.enqueue(
      sampleEntry('change-beta', { request_id: 'request-tmux', state: 'awaiting_approval' }),
    );
    await store.leaseNext('worker-tmux', 600_000);
    await store.close();
    const command = [
      'CI=false CONTINUOUS_INTEGRATION=false node --import tsx --conditions=@hyperion/source src/testing/run-dashboard.ts',
      JSON.stringify(databasePath),
      `; echo $? > ${JSON.stringify(exitFile)}`,
    ].join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', packageDirectory, command);
  });

  afterAll(() => {
    spawnSync('tmux', ['-L', socket, 'kill-session', '-t', session]);
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    rmSync(directory, { recursive: true, force: true });
  });

  it('renders the panes from the store', async () => {
    await waitFor(() => screen().includes('change-alpha'), 'the queue pane', 30_000);
    const frame = screen();
    for (const text of [
      'Hyperion ▸ tmux test',
      'Queue: 1 approval · 1 running · 0 queued',
      'Workers (1 busy / 1)',
      'worker-tmux',
      'request-tmux',
      'Metrics',
      '1 change awaits approval — a to approve',
    ]) {
      expect(frame).toContain(text);
    }
  });

  it('shows an entry written by another process while it runs', async () => {
    const store = SqliteStore.open(databasePath);
    await store.enqueue(sampleEntry('change-gamma', { request_id: 'request-tmux' }));
    await store.close();
    await waitFor(() => screen().includes('change-gamma'), 'the new entry on screen');
    expect(screen()).toContain('Queue: 1 approval · 1 running · 1 queued');
  });

  it('quits on q', async () => {
    tmux('send-keys', '-t', session, 'q');
    await waitFor(
      () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim() !== '',
      'the dashboard to exit',
    );
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    await waitFor(() => !sessionAlive(), 'the tmux session to end');
  });
});
