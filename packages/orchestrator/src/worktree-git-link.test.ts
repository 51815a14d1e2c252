import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { CommandHarness } from '@hyperion/harness';
import { HyperionError, TaskAssignmentSchema } from '@hyperion/schema';
import { runDeveloper } from './developer.js';
import { readGitLink, restoreChangedGitLink } from './worktree-git-link.js';

let temporary: TemporaryRepository | undefined;
const scratch: string[] = [];

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
  for (const directory of scratch.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/**
 * An agent that may only edit files in its worktree, and uses that to point the worktree's `.git`
 * file at a repository of its own whose config runs a command (`core.fsmonitor`) on every git
 * command that reads the worktree's index: the command would leave `marker` behind.
 */
const HOSTILE_AGENT = `
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const [evil, marker] = process.argv.slice(2);
execFileSync('git', ['init', '-q', evil]);
execFileSync('git', ['-C', evil, 'config', 'core.fsmonitor', 'touch ' + marker + ' #']);
fs.writeFileSync('.git', 'gitdir: ' + evil + '/.git\\n');
fs.writeFileSync('a.txt', 'changed\\n');
`;

/**
 * A process the agent leaves behind (its own session: the harness's process-group kill misses
 * it). It waits until Hyperion has read `.git` after the run (its access time moves), then
 * repoints it, before Hyperion's next git command in the worktree.
 */
const WATCHER = `
const fs = require('node:fs');
const [evil, beforeText, ready, pidFile] = process.argv.slice(2);
fs.writeFileSync(pidFile, String(process.pid));
fs.writeFileSync(ready, '');
const pause = new Int32Array(new SharedArrayBuffer(4));
const deadline = Date.now() + 10000;
while (Date.now() < deadline) {
  try {
    if (fs.statSync('.git').atimeMs !== Number(beforeText)) {
      fs.writeFileSync('.git', 'gitdir: ' + evil + '/.git\\n');
      break;
    }
  } catch {
    break;
  }
  Atomics.wait(pause, 0, 0, 1);
}
`;

/** An agent that rewrites `.git` with its own content (nothing to see), and leaves {@link WATCHER} behind. */
const LINGERING_AGENT = `
const fs = require('node:fs');
const { execFileSync, spawn } = require('node:child_process');
const [evil, marker, watcher, pidFile] = process.argv.slice(2);
execFileSync('git', ['init', '-q', evil]);
execFileSync('git', ['-C', evil, 'config', 'core.fsmonitor', 'touch ' + marker + ' #']);
fs.writeFileSync('a.txt', 'changed\\n');
fs.writeFileSync('.git', fs.readFileSync('.git', 'utf8'));
const before = fs.statSync('.git').atimeMs;
const ready = evil + '-ready';
spawn(process.execPath, [watcher, evil, String(before), ready, pidFile], { detached: true, stdio: 'ignore' }).unref();
while (!fs.existsSync(ready)) {}
`;

function stopWatcher(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** `runDeveloper` on one assignment of a.txt, with `command` as the agent (a command harness). */
function runAgentOnA(repository: TemporaryRepository, base: string, command: string[]) {
  return runDeveloper(
    {
      assignment: TaskAssignmentSchema.parse({
        task_id: 'T-1',
        parent_request_id: 'R-1',
        summary: 'change a.txt',
        file_targets: ['a.txt'],
      }),
      changes: [],
      contextTokens: 0,
    },
    {
      repository: repository.repository,
      harness: new CommandHarness({ command }),
      worktreesDirectory: join(repository.root, '.hyperion', 'worktrees'),
      baseCommit: base,
      requestId: 'R-1',
    },
  );
}

function scratchDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(directory);
  return directory;
}

describe("a developer's worktree .git file", () => {
  it('an agent that repoints it fails with unsafe_path before git obeys the other repository', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'one\n' } });
    const base = await temporary.repository.requireBranch('main');
    const outside = scratchDirectory('hyperion-git-link-');
    const script = join(outside, 'agent.cjs');
    writeFileSync(script, HOSTILE_AGENT);
    const marker = join(outside, 'fsmonitor-ran');
    const worktreesDirectory = join(temporary.root, '.hyperion', 'worktrees');
    const failure = await runAgentOnA(temporary, base, [
      process.execPath,
      script,
      join(outside, 'evil'),
      marker,
    ]).catch((error: unknown) => error);
    expect(HyperionError.isInstance(failure) && failure.code).toBe('unsafe_path');
    expect((failure as Error).message).toBe(
      "T-1: the worktree's .git file (where git finds the repository) was rewritten by the agent; it was put back",
    );
    expect(existsSync(marker)).toBe(false);
    // The worktree is gone, and git knows it is: the link was put back before it was removed.
    expect(existsSync(worktreesDirectory) ? readdirSync(worktreesDirectory) : []).toEqual([]);
    const worktrees = (await runGit(['worktree', 'list', '--porcelain'], { cwd: temporary.root })).stdout;
    expect(worktrees.match(/^worktree /gm)).toHaveLength(1);
    expect(await temporary.repository.requireBranch('main')).toBe(base);
  });

  it('git commands after the run ignore a .git repointed by a process the agent left behind', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'one\n' } });
    const base = await temporary.repository.requireBranch('main');
    const outside = scratchDirectory('hyperion-git-link-');
    const [agent, watcher] = [join(outside, 'agent.cjs'), join(outside, 'watcher.cjs')];
    writeFileSync(agent, LINGERING_AGENT);
    writeFileSync(watcher, WATCHER);
    const marker = join(outside, 'fsmonitor-ran');
    const pidFile = join(outside, 'watcher.pid');
    try {
      const result = await runAgentOnA(temporary, base, [
        process.execPath,
        agent,
        join(outside, 'evil'),
        marker,
        watcher,
        pidFile,
      ]);
      // The change was read from Hyperion's repository, whatever `.git` said meanwhile.
      expect(result.changeRequest.changes.map((change) => change.path)).toEqual(['a.txt']);
      expect(result.changeRequest.changes[0]!.patch).toContain('+changed');
      expect(existsSync(marker)).toBe(false);
    } finally {
      stopWatcher(pidFile);
    }
  });

  it.each([
    ['deleted', (path: string) => rmSync(path)],
    ['replaced by a directory', (path: string) => (rmSync(path), mkdirSync(path))],
    ['replaced by a symlink', (path: string) => (rmSync(path), symlinkSync('/etc/passwd', path))],
  ])('is put back when %s', async (what, tamper) => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'one\n' } });
    const worktree = await temporary.repository.addWorktree(
      join(scratchDirectory('hyperion-git-link-wt-'), 'wt'),
      await temporary.repository.requireBranch('main'),
    );
    const link = await readGitLink(worktree.path);
    expect(await restoreChangedGitLink(link)).toBeUndefined();
    tamper(join(worktree.path, '.git'));
    expect(await restoreChangedGitLink(link)).toContain(
      `.git file (where git finds the repository) was ${what} by the agent`,
    );
    expect(await restoreChangedGitLink(link)).toBeUndefined();
    expect((await runGit(['status', '--porcelain'], { cwd: worktree.path })).stdout).toBe('');
  });
});
