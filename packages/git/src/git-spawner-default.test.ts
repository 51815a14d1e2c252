import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitSpawnerPid, useGitSpawner } from './git-spawner.js';
import { runGit } from './run-git.js';

let directory: string;
let previous: string | undefined;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-spawner-default-'));
  previous = process.env['HYPERION_GIT_SPAWNER'];
  delete process.env['HYPERION_GIT_SPAWNER'];
});

afterEach(() => {
  if (previous === undefined) delete process.env['HYPERION_GIT_SPAWNER'];
  else process.env['HYPERION_GIT_SPAWNER'] = previous;
  rmSync(directory, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('the git spawner by default', () => {
  it('is not started by a process that did not ask for it, and is once it did', async () => {
    // A short command: git in process, no second Node process to start.
    await runGit(['--version'], { cwd: directory });
    expect(gitSpawnerPid()).toBeUndefined();
    useGitSpawner();
    const result = await runGit(['--version'], { cwd: directory });
    expect(result.stdout).toMatch(/^git version /);
    expect(gitSpawnerPid()).toBeGreaterThan(0);
  });
});
