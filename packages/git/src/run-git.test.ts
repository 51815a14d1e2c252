import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { gitSpawnerPid } from './git-spawner.js';
import { isSameProcessAlive } from './process-liveness.js';
import { runGit } from './run-git.js';
import type { GitRunnerOptions } from './testing/git-runner.js';

const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));
const RUNNER_SCRIPT = fileURLToPath(new URL('./testing/git-runner.ts', import.meta.url));
const HAS_PROC = existsSync('/proc/self/stat');

let directory: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-run-git-'));
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

/** The sha git gives `content` as a blob. */
function blobSha(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest('hex');
}

/** The parent pid of process `pid` (Linux). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Starts a git-runner process; resolves with the JSON line it printed first. */
async function startRunner(
  options: GitRunnerOptions,
  // The spawner is used from the first command (a process only starts it when asked to).
  environment: NodeJS.ProcessEnv = { ...process.env, HYPERION_GIT_SPAWNER: '1' },
): Promise<{ child: ChildProcess; line: { spawner: number | null; stdout?: string }; output: () => string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@hyperion/source', RUNNER_SCRIPT, JSON.stringify(options)],
    { cwd: PACKAGE_DIRECTORY, stdio: ['ignore', 'pipe', 'inherit'], env: environment },
  );
  children.push(child);
  let stdout = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.on('close', (code) => reject(new Error(`git runner exited (${code}) before printing: ${stdout}`)));
  });
  return {
    child,
    line: JSON.parse(line) as { spawner: number | null; stdout?: string },
    output: () => stdout,
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

const WAYS = [
  { way: 'through the spawner (HYPERION_GIT_SPAWNER=1)', setting: '1' },
  { way: 'in this process (HYPERION_GIT_SPAWNER=0)', setting: '0' },
] as const;

describe.each(WAYS)('runGit, $way', ({ setting }) => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env['HYPERION_GIT_SPAWNER'];
    if (setting === undefined) delete process.env['HYPERION_GIT_SPAWNER'];
    else process.env['HYPERION_GIT_SPAWNER'] = setting;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env['HYPERION_GIT_SPAWNER'];
    else process.env['HYPERION_GIT_SPAWNER'] = previous;
  });

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

  it.skipIf(!HAS_PROC)(
    'starts git from the spawner, or from this process when it is turned off',
    async () => {
      const parent = await runGit(['-c', 'alias.parent=!awk "{ print \\$4 }" /proc/$PPID/stat', 'parent'], {
        cwd: tmpdir(),
      });
      const expected = setting === '1' ? gitSpawnerPid() : process.pid;
      expect(expected).toBeDefined();
      expect(Number(parent.stdout.trim())).toBe(expected);
      if (setting === '1') expect(parentOf(expected ?? 0)).toBe(process.pid);
    },
  );

  it('passes input on stdin, byte for byte, however large', async () => {
    const result = await runGit(['hash-object', '--stdin'], { cwd: tmpdir(), input: 'hello\n' });
    expect(result.stdout.trim()).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const odd = 'nul\0byte, crlf\r\n, é, 日本, 🦀, \u2028, trailing\n';
    const oddSha = await runGit(['hash-object', '--stdin'], { cwd: tmpdir(), input: odd });
    expect(oddSha.stdout.trim()).toBe(blobSha(Buffer.from(odd, 'utf8')));
    const large = 'line of a large patch é🦀\n'.repeat(200_000);
    const largeSha = await runGit(['hash-object', '--stdin'], { cwd: tmpdir(), input: large });
    expect(largeSha.stdout.trim()).toBe(blobSha(Buffer.from(large, 'utf8')));
  });

  it('returns output of several megabytes whole, and stderr beside it', async () => {
    const file = join(directory, 'large');
    const content = Buffer.from('0123456789abcdef é🦀\n'.repeat(400_000), 'utf8');
    writeFileSync(file, content);
    const result = await runGit(['-c', `alias.large=!cat '${file}'; echo done >&2`, 'large'], {
      cwd: directory,
    });
    expect(result.stdout.length).toBe(content.toString('utf8').length);
    expect(result.stdout === content.toString('utf8')).toBe(true);
    expect(result.stderr).toBe('done\n');
  });

  it('runs many commands at once without crossing their results', async () => {
    const inputs = Array.from({ length: 60 }, (_, index) => `entry ${index}\n`.repeat(index * 50 + 1));
    const results = await Promise.all(
      inputs.map((input, index) =>
        index % 5 === 4
          ? runGit(['no-such-command', String(index)], { cwd: tmpdir(), allowFailure: true })
          : runGit(['hash-object', '--stdin'], { cwd: tmpdir(), input }),
      ),
    );
    results.forEach((result, index) => {
      if (index % 5 === 4) expect(result.exitCode).toBe(1);
      else expect(result.stdout.trim()).toBe(blobSha(Buffer.from(inputs[index] ?? '', 'utf8')));
    });
  });

  it('rejects arguments that no process can be given (a NUL byte) as spawn does', async () => {
    const error = await runGit(['hash-object', 'a\0b'], { cwd: tmpdir() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as NodeJS.ErrnoException).code).toBe('ERR_INVALID_ARG_VALUE');
    // The next command is not affected.
    expect((await runGit(['--version'], { cwd: tmpdir() })).exitCode).toBe(0);
  });

  it('fails with git_failed naming the directory when it does not exist', async () => {
    const missing = join(directory, 'missing');
    const error = await runGit(['--version'], { cwd: missing }).catch((caught: unknown) => caught);
    expect(HyperionError.isInstance(error) && error.code).toBe('git_failed');
    expect((error as Error).message).toBe(`git --version could not start in ${missing}: spawn git ENOENT`);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('stops a command that outlives its timeout, even when a child it started holds the pipes open', async () => {
    // The alias runs a shell whose `sleep` keeps git's stdout and stderr open after git is killed.
    const pidFile = join(directory, 'shell-pid');
    const hanging = runGit(['-c', `alias.hang=!echo $$ > '${pidFile}'; sleep 30`, 'hang'], {
      cwd: tmpdir(),
      timeoutMs: 300,
      allowFailure: true,
    });
    await expect(hanging).rejects.toMatchObject({
      code: 'git_failed',
      message: `git -c alias.hang=!echo $$ > '${pidFile}'; sleep 30 hang did not finish within 0.3 s and was stopped`,
    });
    // The whole process group went: the shell git started, not only git.
    const shell = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !isSameProcessAlive(shell, undefined), `the shell ${shell} to end`, 5_000);
  });
});

/** The running spawner's pid; never 0, which `process.kill` would take as this whole process group. */
function runningSpawner(pid: number | null | undefined): number {
  if (pid === undefined || pid === null || pid <= 0) throw new Error(`no spawner is running (pid ${pid})`);
  return pid;
}

describe.skipIf(!HAS_PROC)('the git spawner', () => {
  let previous: string | undefined;
  beforeEach(() => {
    // This process's own runGit calls below go through the spawner from the first command.
    previous = process.env['HYPERION_GIT_SPAWNER'];
    process.env['HYPERION_GIT_SPAWNER'] = '1';
  });
  afterEach(() => {
    if (previous === undefined) delete process.env['HYPERION_GIT_SPAWNER'];
    else process.env['HYPERION_GIT_SPAWNER'] = previous;
  });

  it('outlives a parent killed with SIGKILL only while the git it started runs', async () => {
    const releaseFile = join(directory, 'release');
    const pidFile = join(directory, 'git-pid');
    const { child, line } = await startRunner({ mode: 'wait', cwd: directory, releaseFile, pidFile });
    const spawner = runningSpawner(line.spawner);
    expect(spawner).toBeGreaterThan(0);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'git to run');
    const git = Number(readFileSync(pidFile, 'utf8'));
    expect(parentOf(git)).toBe(spawner);
    child.kill('SIGKILL');
    await exited(child);
    await sleep(300);
    // git is not killed halfway (it would leave its index.lock behind), and its spawner waits for it.
    expect(isSameProcessAlive(git, undefined)).toBe(true);
    expect(isSameProcessAlive(spawner, undefined)).toBe(true);
    writeFileSync(releaseFile, '');
    await until(() => !isSameProcessAlive(git, undefined), 'git to end');
    await until(() => !isSameProcessAlive(spawner, undefined), 'the spawner to end');
  });

  it('still applies a timeout after its parent was killed, then ends', async () => {
    const pidFile = join(directory, 'git-pid');
    const releaseFile = join(directory, 'never');
    const { child, line } = await startRunner({
      mode: 'wait',
      cwd: directory,
      releaseFile,
      pidFile,
      timeoutMs: 1_500,
    });
    const spawner = runningSpawner(line.spawner);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'git to run');
    const git = Number(readFileSync(pidFile, 'utf8'));
    child.kill('SIGKILL');
    await exited(child);
    await until(() => !isSameProcessAlive(git, undefined), 'git to be stopped');
    await until(() => !isSameProcessAlive(spawner, undefined), 'the spawner to end');
  });

  it('keeps a parent with no other handle alive until the command its killed spawner left ran', async () => {
    const releaseFile = join(directory, 'release');
    const pidFile = join(directory, 'git-pid');
    const { child, line, output } = await startRunner({
      mode: 'settle',
      cwd: directory,
      releaseFile,
      pidFile,
    });
    const spawner = runningSpawner(line.spawner);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'git to run');
    const git = Number(readFileSync(pidFile, 'utf8'));
    process.kill(spawner, 'SIGKILL');
    await sleep(500);
    // Neither ended nor settled while the orphaned git runs.
    expect(child.exitCode).toBeNull();
    expect(output().split('\n')).toHaveLength(2);
    expect(isSameProcessAlive(git, undefined)).toBe(true);
    writeFileSync(releaseFile, '');
    expect(await exited(child)).toBe(0);
    expect(isSameProcessAlive(git, undefined)).toBe(false);
    const settled = JSON.parse(output().split('\n')[1] ?? '') as { error?: string };
    expect(settled.error).toContain(`the git spawner process (pid ${spawner}) ended unexpectedly (SIGKILL)`);
  });

  it('neither gives up nor reruns a command of a spawner whose parent was blocked past the ready timeout', async () => {
    const releaseFile = join(directory, 'release');
    const pidFile = join(directory, 'git-pid');
    // The runner blocks its event loop past the 15 s ready timeout while git runs.
    const { child, line, output } = await startRunner({
      mode: 'settle',
      cwd: directory,
      releaseFile,
      pidFile,
      blockMs: 15_500,
    });
    const spawner = runningSpawner(line.spawner);
    const started = performance.now();
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'git to run');
    const git = Number(readFileSync(pidFile, 'utf8'));
    expect(parentOf(git)).toBe(spawner);
    await sleep(Math.max(0, 17_000 - (performance.now() - started)));
    // The spawner was not killed for a `ready` its parent could not read in time.
    expect(isSameProcessAlive(spawner, undefined)).toBe(true);
    writeFileSync(releaseFile, '');
    expect(await exited(child)).toBe(0);
    expect(JSON.parse(output().split('\n')[1] ?? '')).toEqual({ exitCode: 0 });
    // git ran once: through the spawner, not again in the runner.
    expect(readFileSync(pidFile, 'utf8').trim().split('\n')).toEqual([String(git)]);
  }, 40_000);

  it('does not keep its parent alive once the commands are done', async () => {
    const { child, line } = await startRunner({ mode: 'once', cwd: directory });
    expect(line.spawner).toBeGreaterThan(0);
    expect(line.stdout).toMatch(/^git version /);
    expect(await exited(child)).toBe(0);
    await until(() => !isSameProcessAlive(runningSpawner(line.spawner), undefined), 'the spawner to end');
  });

  it('falls back to starting git in the process when the spawner cannot start', async () => {
    // No such program; then a program that runs but is not Node (exits without a word).
    for (const execPath of [join(directory, 'no-such-node'), '/bin/true']) {
      const { child, line } = await startRunner({ mode: 'once', cwd: directory, execPath });
      expect(line.stdout).toMatch(/^git version /);
      expect(line.spawner).toBeNull();
      expect(await exited(child)).toBe(0);
    }
  });

  it('stops a command with a timeout at its deadline after its spawner was killed', async () => {
    const releaseFile = join(directory, 'release');
    const pidFile = join(directory, 'git-pid');
    const shellFile = join(directory, 'shell-pid');
    const wait = `!echo $PPID > '${pidFile}'; echo $$ > '${shellFile}'; while [ ! -e '${releaseFile}' ] && [ -d '${dirname(releaseFile)}' ]; do sleep 0.05; done`;
    const started = performance.now();
    const outcome = runGit(['-c', `alias.wait-for-release=${wait}`, 'wait-for-release'], {
      cwd: directory,
      timeoutMs: 1_500,
    }).then(
      () => 'finished',
      (error: unknown) => error,
    );
    const spawner = runningSpawner(gitSpawnerPid());
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'git to run');
    await until(
      () => existsSync(shellFile) && readFileSync(shellFile, 'utf8').endsWith('\n'),
      'the shell to run',
    );
    const git = Number(readFileSync(pidFile, 'utf8'));
    const shell = Number(readFileSync(shellFile, 'utf8'));
    await sleep(Math.max(0, 700 - (performance.now() - started)));
    process.kill(spawner, 'SIGKILL');
    try {
      const error = await Promise.race([outcome, sleep(6_000).then(() => 'still running')]);
      const elapsed = performance.now() - started;
      expect(HyperionError.isInstance(error) && error.code).toBe('git_failed');
      expect((error as Error).message).toBe(
        `git -c alias.wait-for-release=${wait} wait-for-release did not finish within 1.5 s and was stopped`,
      );
      expect(elapsed).toBeGreaterThanOrEqual(1_400);
      expect(elapsed).toBeLessThan(4_000);
      // Its whole process group went, the shell git started too.
      await until(
        () => !isSameProcessAlive(git, undefined) && !isSameProcessAlive(shell, undefined),
        'git to end',
        5_000,
      );
    } finally {
      writeFileSync(releaseFile, '');
    }
  });

  it('reports a command whose spawner was killed once its git ended, and starts another', async () => {
    const releaseFile = join(directory, 'release');
    const pidFile = join(directory, 'git-pid');
    const wait = `!echo $PPID > '${pidFile}'; while [ ! -e '${releaseFile}' ] && [ -d '${dirname(releaseFile)}' ]; do sleep 0.05; done`;
    const outcome = runGit(['-c', `alias.wait-for-release=${wait}`, 'wait-for-release'], {
      cwd: directory,
    }).then(
      () => 'finished',
      (error: unknown) => error,
    );
    const spawner = runningSpawner(gitSpawnerPid());
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'git to run');
    const git = Number(readFileSync(pidFile, 'utf8'));
    process.kill(spawner, 'SIGKILL');
    let settled = false;
    void outcome.then(() => (settled = true));
    await sleep(300);
    // Until the orphaned git ends, the command is not over (its lock, if any, stays held).
    expect(settled).toBe(false);
    writeFileSync(releaseFile, '');
    const error = await outcome;
    expect(isSameProcessAlive(git, undefined)).toBe(false);
    expect(HyperionError.isInstance(error) && error.code).toBe('git_failed');
    expect((error as Error).message).toContain(
      `the git spawner process (pid ${spawner}) ended unexpectedly (SIGKILL)`,
    );
    expect((await runGit(['--version'], { cwd: directory })).stdout).toMatch(/^git version /);
    expect(gitSpawnerPid()).not.toBe(spawner);
  });
});
