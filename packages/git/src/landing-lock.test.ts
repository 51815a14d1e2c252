import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LANDING_LOCK_FILE, withLandingLock } from './landing-lock.js';

let directory: string;

afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('withLandingLock', () => {
  it('serializes holders: the second runs only after the first released', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const order: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = withLandingLock(directory, async () => {
      order.push('first in');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('first out');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = withLandingLock(directory, async () => void order.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual(['first in']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second']);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('takes over a lock left by a process that died, and leaves no file behind', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-lock-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(join(directory, LANDING_LOCK_FILE), dead.stdout);
    expect(await withLandingLock(directory, async () => 'ran', 5_000)).toBe('ran');
    expect(existsSync(join(directory, LANDING_LOCK_FILE))).toBe(false);
  });
});
