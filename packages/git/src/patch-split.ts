import { parsePatchWithRanges, patchLines } from './patch-parse.js';

/** Combines per-file patches into one patch text; each part ends with a newline. Empty parts are dropped. */
export function joinPatches(patches: string[]): string {
  return patches
    .filter((patch) => patch.length > 0)
    .map((patch) => (patch.endsWith('\n') ? patch : `${patch}\n`))
    .join('');
}

/**
 * Splits a multi-file patch into one patch per file, each with the path it changes (see
 * `ParsedPatchFile.path`). Text before the first file (a commit message) and after a file's last
 * hunk (a signature) is dropped. Throws like `parsePatch` on a malformed patch.
 */
export function splitPatch(patch: string): Array<{ path: string; patch: string }> {
  const lines = patchLines(patch);
  return parsePatchWithRanges(patch).map((range) => ({
    path: range.file.path,
    patch: `${lines.slice(range.firstLine, range.lastLine + 1).join('\n')}\n`,
  }));
}
