import { parsePatch, splitPatch } from '@hyperion/git';
import type { ChangeRequest, FileChange } from '@hyperion/schema';

/**
 * Turns a multi-file patch (the output of `git diff`, `diff -u`, a code generator…) into a change
 * request: one entry of `changes` per file, each with the operation its header declares. The queue
 * validates everything again when the change is submitted, so a malformed patch is refused there
 * with an error naming the field.
 */
export function changeFromPatch(taskId: string, patch: string, summary?: string): ChangeRequest {
  const changes: FileChange[] = splitPatch(patch).map((part) => {
    const [file] = parsePatch(part.patch);
    return { path: part.path, operation: file?.operation ?? 'update', patch: part.patch };
  });
  return { task_id: taskId, agent: 'git-diff', summary, changes };
}
