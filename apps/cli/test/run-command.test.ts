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

describe('hyperion run --no-tui', () => {
  it('runs workers headless, prints events as lines, and stops cleanly on SIGINT', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root, '--check', 'ok=test -f a.txt'])).code).toBe(0);
    const request = join(temporaryDirectory('hyperion-run'), 'request.json');
    writeFileSync(
      request,
      JSON.stringify({ summary: 'Upper-case a', requested_changes: [{ path: 'a.txt', content: 'A\n' }] }),
    );
    expect((await hyperion(['request', request, '--repo', root])).code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'run', '--no-tui', '--repo', root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const landed = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/landed chg-/.test(stdout)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await landed;
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/^Running 3 workers on main/m);
    expect(stdout).toMatch(/check ok: passed/);
  });
});
