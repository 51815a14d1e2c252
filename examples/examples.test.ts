import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../test-support/temporary-directory.js';
import {
  exampleEnvironment,
  expectMergeQueueDemo,
  expectOwnPatchLanded,
  expectRequestPipelineDemo,
  landedTasks,
  repositoryWithPatchFile,
  runProgram,
} from './example-outcomes.js';

// The examples as built in the workspace (`pnpm build` compiles them against the packages' dist/).
// The harness and store examples' own tests (the conformance suites) run as projects of their own.
const exampleDirectory = (name: string) => fileURLToPath(new URL(`./${name}/`, import.meta.url));

describe('examples in the workspace', () => {
  it('embed-merge-queue: lands the two patches that pass the check and quarantines the third', async () => {
    const temporary = temporaryDirectory('hyperion-examples');
    const result = await runProgram(process.execPath, ['dist/main.js'], {
      cwd: exampleDirectory('embed-merge-queue'),
      env: exampleEnvironment(temporary),
    });
    expect(expectMergeQueueDemo(result).startsWith(temporary)).toBe(true);
  });

  it('embed-merge-queue: lands a patch file made with git diff on a repository given by path', async () => {
    const temporary = temporaryDirectory('hyperion-examples');
    const { root, patchFile } = repositoryWithPatchFile(temporary);
    const result = await runProgram(process.execPath, ['dist/main.js', root, patchFile], {
      cwd: exampleDirectory('embed-merge-queue'),
      env: exampleEnvironment(temporary),
    });
    expectOwnPatchLanded(result, root);
  });

  it('embed-merge-queue: a patch file that is no patch is refused with one line naming the field', async () => {
    const temporary = temporaryDirectory('hyperion-examples');
    const { root } = repositoryWithPatchFile(temporary);
    const notAPatch = `${exampleDirectory('embed-merge-queue')}tsconfig.json`;
    const result = await runProgram(process.execPath, ['dist/main.js', root, notAPatch], {
      cwd: exampleDirectory('embed-merge-queue'),
      env: exampleEnvironment(temporary),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `error: invalid_input: ${notAPatch}: patch has no file headers (expected 'diff --git' or '---'/'+++' lines)\n`,
    );
    expect(landedTasks(root)).toEqual([]);
  });

  it('request-pipeline: a request goes through the custom harness and both assignments land', async () => {
    const temporary = temporaryDirectory('hyperion-examples');
    const result = await runProgram(process.execPath, ['dist/main.js'], {
      cwd: exampleDirectory('request-pipeline'),
      env: exampleEnvironment(temporary),
    });
    expectRequestPipelineDemo(result);
  });
});
