// What the workspace's example tests check, shared by the in-workspace run and the run from the
// packed tarballs: the same examples must do the same things in both.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const execFileAsync = promisify(execFile);

/** How a child process ended. */
export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; a non-zero exit is a result, not a throw. */
export async function runProgram(
  program: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  try {
    const { stdout, stderr } = await execFileAsync(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      exitCode: typeof failure.code === 'number' ? failure.code : -1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? String(error),
    };
  }
}

/** The environment of an example run: its temporary directories go under `temporary`. */
export function exampleEnvironment(temporary: string): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env, TMPDIR: temporary };
  delete environment['HYPERION_STORE_FILE'];
  return environment;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** The tasks whose `Hyperion-Task` trailers are on the first-parent history of `main`. */
export function landedTasks(root: string): string[] {
  return git(root, 'log', '--first-parent', '--format=%(trailers:key=Hyperion-Task,valueonly)', 'main')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .sort();
}

/** The line of `stdout` that starts with `prefix`, followed by a space, and its rest. */
function lineValue(stdout: string, prefix: string): string {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${prefix} `));
  expect(line, `a line starting with "${prefix}" in:\n${stdout}`).toBeDefined();
  return (line ?? '').slice(prefix.length + 1).trim();
}

/** Checks what the embed-merge-queue demo printed and did to its repository; returns the repository. */
export function expectMergeQueueDemo(result: ProcessResult): string {
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  const root = lineValue(result.stdout, 'repository').replace(/, landing on main$/, '');
  const lines = result.stdout.split('\n');
  for (const task of ['T-1', 'T-2', 'T-3']) {
    expect(lines.some((line) => line.startsWith(`enqueued  ${task}  chg-`))).toBe(true);
  }
  expect(
    lines
      .filter((line) => line.startsWith('landed '))
      .map((line) => line.split(/\s+/)[1])
      .sort(),
  ).toEqual(['T-1', 'T-2']);
  expect(lines).toContain(
    "finished  T-3  quarantined: check 'no-todo' failed: exited with 1 (attempt 2 of 2)",
  );
  expect(lines.filter((line) => line.startsWith('outcome '))).toEqual([
    expect.stringMatching(/^outcome {3}T-1 {2}landed {2}[0-9a-f]{40}$/),
    expect.stringMatching(/^outcome {3}T-2 {2}landed {2}[0-9a-f]{40}$/),
    'outcome   T-3  quarantined',
  ]);
  expect(JSON.parse(lineValue(result.stdout, 'summary'))).toMatchObject({ landed: 2, quarantined: 1 });
  // The repository holds exactly the two changes that passed the check.
  expect(landedTasks(root)).toEqual(['T-1', 'T-2']);
  expect(lineValue(result.stdout, 'tip')).toBe(`main ${git(root, 'rev-parse', 'main').trim()}`);
  expect(readFileSync(join(root, 'greeting.txt'), 'utf8')).toBe('hello, world\n');
  expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toContain('first entry');
  expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('# demo\n');
  return root;
}

/**
 * A repository of the test's own in `directory`, and a patch file made with `git diff` in a clone
 * of it: what a user passes to the embed-merge-queue example.
 */
export function repositoryWithPatchFile(directory: string): { root: string; patchFile: string } {
  const root = join(directory, 'own-repository');
  const clone = join(directory, 'own-clone');
  git(directory, 'init', '--quiet', '-b', 'main', root);
  writeFileSync(join(root, 'notes.txt'), 'teh first note\n');
  git(root, 'add', '-A');
  git(root, 'commit', '--quiet', '-m', 'Notes');
  git(directory, 'clone', '--quiet', root, clone);
  writeFileSync(join(clone, 'notes.txt'), 'the first note\n');
  const patchFile = join(directory, 'fix typo.diff');
  writeFileSync(patchFile, git(clone, 'diff'));
  return { root, patchFile };
}

/** Checks that the patch file of {@link repositoryWithPatchFile} landed through the example. */
export function expectOwnPatchLanded(result: ProcessResult, root: string): void {
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toMatch(/^outcome {3}fix-typo {2}landed {2}[0-9a-f]{40}$/m);
  expect(landedTasks(root)).toEqual(['fix-typo']);
  expect(readFileSync(join(root, 'notes.txt'), 'utf8')).toBe('the first note\n');
}

/** Checks what the request-pipeline example printed and did to its repository. */
export function expectRequestPipelineDemo(result: ProcessResult): void {
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  const root = lineValue(result.stdout, 'repository');
  const lines = result.stdout.split('\n');
  expect(lines).toEqual(
    expect.arrayContaining([
      'engineer   deterministic: feature, risk low',
      'assignment REQ-license-1: src/add.js, src/multiply.js',
      'assignment REQ-license-2: lib/format.js',
      'outcome    REQ-license-1 landed after 1 developer run(s)',
      'outcome    REQ-license-2 landed after 1 developer run(s)',
      'request    REQ-license {"landed":2}',
    ]),
  );
  // Each assignment went through the custom harness once, then landed.
  expect(lines.filter((line) => line.startsWith('developer  ran on ')).sort()).toEqual([
    'developer  ran on lib/format.js',
    'developer  ran on src/add.js, src/multiply.js',
  ]);
  expect(landedTasks(root)).toEqual(['REQ-license-1', 'REQ-license-2']);
  for (const path of ['src/add.js', 'src/multiply.js', 'lib/format.js']) {
    expect(readFileSync(join(root, path), 'utf8')).toMatch(
      /^\/\/ SPDX-License-Identifier: MIT\nexport const /,
    );
  }
  expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('# demo\n');
}
