import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { BIN, hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

const tmuxFound = spawnSync('tmux', ['-V']).status === 0;
if (!tmuxFound) console.warn('skipping the `hyperion run` terminal test: tmux was not found on PATH');

const socket = `hyperion-cli-${process.pid}`;
const session = 'run';
let temporary: TemporaryRepository | undefined;

function tmux(...parts: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...parts], { encoding: 'utf8' });
}

function sessionAlive(): boolean {
  return spawnSync('tmux', ['-L', socket, 'has-session', '-t', session]).status === 0;
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return;
    await sleep(200);
  }
  throw new Error(
    `timed out; the screen was:\n${sessionAlive() ? tmux('capture-pane', '-p', '-t', session) : '(gone)'}`,
  );
}

afterEach(async () => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  await temporary?.cleanup();
  temporary = undefined;
});

describe.skipIf(!tmuxFound)('hyperion run in a real terminal (tmux)', () => {
  it('shows the live dashboard while its workers land a change, and quits on q', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root, '--check', 'ok=test -f a.txt'])).code).toBe(0);
    const request = join(temporaryDirectory('hyperion-run-tui'), 'request.json');
    writeFileSync(
      request,
      JSON.stringify({
        request_id: 'REQ-TUI',
        summary: 'Upper-case a',
        requested_changes: [{ path: 'a.txt', content: 'A\n' }],
      }),
    );
    const enqueued = JSON.parse((await hyperion(['request', request, '--repo', root, '--json'])).stdout) as {
      enqueued: Array<{ change_id: string }>;
    };
    const changeId = enqueued.enqueued[0]!.change_id;
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '140',
      '-y',
      '45',
      `${process.execPath} ${BIN} run --repo ${root}`,
    );
    await waitFor(() => {
      const screen = tmux('capture-pane', '-p', '-t', session);
      return screen.includes(changeId) && screen.includes('landed') && screen.includes('REQ-TUI');
    });
    tmux('send-keys', '-t', session, 'q');
    await waitFor(() => !sessionAlive(), 30_000);
    const listed = JSON.parse((await hyperion(['queue', 'list', '--repo', root, '--json'])).stdout) as Array<{
      state: string;
    }>;
    expect(listed.map((entry) => entry.state)).toEqual(['landed']);
  });
});
