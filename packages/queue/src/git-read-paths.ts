import type { ChangeRequest } from '@hyperion/schema';
import { joinPatches, patchPathsAsGitReadsThem } from '@hyperion/git';
import { reject } from './prepare-submission.js';

function describe(sections: readonly string[][]): string {
  if (sections.length === 0) return 'no file';
  return sections.map((paths) => paths.map((path) => JSON.stringify(path)).join(' -> ')).join(', ');
}

/**
 * Refuses a change whose patches git reads as touching other paths than the ones it declares:
 * each file change's patch must be, to `git apply` itself (run in `root`), exactly one file
 * section on exactly its `path`. Our own parser (which `prepareSubmission` ran) agrees with git on
 * every ordinary patch, but a patch can be built to be read differently (a `--no-prefix` diff, a
 * quoted path that is not UTF-8, a section hidden after a binary hunk); what git reads is what it
 * writes, so that is what the paths of the entry, its risk policy and its lanes must be. One git
 * run for the whole change; one per file only to name the file change at fault.
 */
export async function requirePathsAsGitReadsThem(root: string, change: ChangeRequest): Promise<void> {
  const fileChanges = change.changes;
  const whole = await patchPathsAsGitReadsThem(
    root,
    joinPatches(fileChanges.map((fileChange) => fileChange.patch)),
  );
  const agrees = (sections: readonly string[][], index: number) =>
    sections.length === 1 && sections[0]!.length === 1 && sections[0]![0] === fileChanges[index]!.path;
  if (
    whole.readable &&
    whole.sections.length === fileChanges.length &&
    whole.sections.every((paths, index) => agrees([paths], index))
  ) {
    return;
  }
  for (const [index, fileChange] of fileChanges.entries()) {
    const read = await patchPathsAsGitReadsThem(root, fileChange.patch);
    const field = `changes[${index}].patch`;
    if (!read.readable) reject(field, `git cannot read this patch: ${read.reason}`, 'invalid_input');
    if (!agrees(read.sections, index)) {
      reject(
        field,
        `git reads this patch as changing ${describe(read.sections)}, not only '${fileChange.path}'`,
        'unsafe_path',
      );
    }
  }
  // Each alone agrees, yet together git reads them otherwise (a patch without its final newline
  // running into the next): refused as a whole.
  reject(
    'changes',
    `git reads the joined patches as ${whole.readable ? describe(whole.sections) : `unreadable (${whole.reason})`}, not as the declared files`,
  );
}
