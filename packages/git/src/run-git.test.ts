import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runGit } from './run-git.js';

describe('runGit', () => {
  it('returns output, and throws git_failed naming the arguments and the first stderr line', async () => {
    const version = await runGit(['--version'], { cwd: tmpdir() });
    expect(version).toMatchObject({ exitCode: 0, stderr: '' });
    expect(version.stdout).toMatch(/^git version /);
    await expect(runGit(['no-such-command'], { cwd: tmpdir() })).rejects.toMatchObject({
      code: 'git_failed',
      message: expect.stringMatching(
        /^git no-such-command failed \(exit 1\): git: 'no-such-command' is not a git command/,
      ),
    });
    const failed = await runGit(['no-such-command'], { cwd: tmpdir(), allowFailure: true });
    expect(failed.exitCode).toBe(1);
  });

  it('passes input on stdin', async () => {
    const result = await runGit(['hash-object', '--stdin'], { cwd: tmpdir(), input: 'hello\n' });
    expect(result.stdout.trim()).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('stops a command that outlives its timeout, even when a child it started holds the pipes open', async () => {
    // The alias runs a shell whose `sleep` keeps git's stdout and stderr open after git is killed.
    const hanging = runGit(['-c', 'alias.hang=!sleep 30', 'hang'], {
      cwd: tmpdir(),
      timeoutMs: 200,
      allowFailure: true,
    });
    await expect(hanging).rejects.toMatchObject({
      code: 'git_failed',
      message: 'git -c alias.hang=!sleep 30 hang did not finish within 0.2 s and was stopped',
    });
  });
});
