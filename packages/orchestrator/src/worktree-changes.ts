import { splitPatch, sha256Hex } from '@hyperion/git';
import type { FileChange } from '@hyperion/schema';

/**
 * The file changes of a worktree's diff: one per file of `diff`, its operation read from the
 * worktree's changed-file status (`added` is a create, `deleted` a delete, anything else an update).
 */
export function fileChangesFromDiff(
  diff: string,
  changed: ReadonlyArray<{ path: string; status: string }>,
): FileChange[] {
  const operations = new Map(
    changed.map((file) => [
      file.path,
      file.status === 'added' ? 'create' : file.status === 'deleted' ? 'delete' : 'update',
    ]),
  );
  return splitPatch(diff).map((part) => ({
    path: part.path,
    operation: (operations.get(part.path) ?? 'update') as FileChange['operation'],
    patch: part.patch,
    patch_hash: sha256Hex(part.patch),
  }));
}
