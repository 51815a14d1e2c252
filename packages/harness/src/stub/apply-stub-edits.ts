import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RunEventEmitter } from '../events/run-event-emitter.js';
import { editPathProblem } from './check-edit-path.js';
import { pathsInDiff } from './diff-paths.js';
import { gitApply } from './git-apply.js';
import type { StubEdit } from './stub-edit.js';

/** Where the stub applies edits and what it may touch. */
export interface StubEditTarget {
  /** The working directory; every edit stays inside it. */
  workingDirectory: string;
  /** The paths the edits may touch. */
  filesInScope: readonly string[];
}

/**
 * Checks every edit first, then applies them in order; a refused edit means nothing is written.
 * Resolves to `undefined` on success, else to the one-line reason of the failure.
 */
export async function applyStubEdits(
  edits: readonly StubEdit[],
  target: StubEditTarget,
  events: RunEventEmitter,
  isStopped: () => boolean,
): Promise<string | undefined> {
  for (const edit of edits) {
    const problem = await checkEdit(edit, target);
    if (problem !== undefined) return problem;
  }
  for (const edit of edits) {
    if (isStopped()) return undefined;
    const failure = await applyEdit(edit, target.workingDirectory);
    if (failure !== undefined) return failure;
    events.emit('edit:applied', { path: edit.path, operation: operationOf(edit) });
  }
  return undefined;
}

async function checkEdit(edit: StubEdit, target: StubEditTarget): Promise<string | undefined> {
  const operation = operationOf(edit);
  if (operation !== 'delete' && edit.content === undefined && edit.diff === undefined) {
    return `the stub agent cannot write "${edit.summary ?? edit.path}": give an explicit diff or content`;
  }
  const paths =
    edit.diff === undefined || operation === 'delete' ? [edit.path] : [edit.path, ...pathsInDiff(edit.diff)];
  for (const path of paths) {
    const problem = await editPathProblem(path, target.workingDirectory, target.filesInScope);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

async function applyEdit(edit: StubEdit, workingDirectory: string): Promise<string | undefined> {
  const absolutePath = resolve(workingDirectory, edit.path);
  if (operationOf(edit) === 'delete') {
    try {
      await rm(absolutePath);
      return undefined;
    } catch (error) {
      return `cannot delete "${edit.path}": ${(error as Error).message}`;
    }
  }
  if (edit.content !== undefined) {
    await mkdir(dirname(absolutePath), { recursive: true });
    await writeFile(absolutePath, edit.content);
    return undefined;
  }
  const failure = await gitApply(edit.diff ?? '', workingDirectory);
  return failure === undefined ? undefined : `the diff for "${edit.path}" does not apply: ${failure}`;
}

function operationOf(edit: StubEdit): 'create' | 'update' | 'delete' {
  return edit.operation ?? 'update';
}
