import * as z from 'zod';
import { controlCharacterReason, printable } from './control-characters.js';

/**
 * Why a repository-relative path is unsafe, or `undefined` when it is safe. Pure string checks:
 * symlink escapes need the file system and are checked by the git layer. Control characters
 * (C0, DEL, C1, bidi controls) are refused: a path is printed to the person who approves it.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  if (path.includes('\0')) return 'contains a NUL byte';
  const control = controlCharacterReason(path);
  if (control !== undefined) return control;
  if (path.includes('\\')) return 'contains a backslash (use forward slashes)';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return "contains a '..' segment";
  if (segments.some((segment) => segment === '' || segment === '.')) return 'is not normalized';
  if (isGitDirectoryName(segments[0]!)) return 'is under .git/';
  // A nested `.git` would make a repository inside the repository (its config, its hooks): git
  // itself refuses such paths in an index, so they are refused here, with a clear reason, first.
  if (segments.some(isGitDirectoryName)) return "contains a '.git' segment";
  if (segments[0] === '.hyperion') return 'is under .hyperion/';
  return undefined;
}

/**
 * True for a path segment that git treats as a `.git` directory: `.git` in any case, or its Windows
 * short name `git~1`, also with trailing spaces or dots or an NTFS stream suffix (`:…`): git's own
 * NTFS protection, on by default everywhere.
 */
function isGitDirectoryName(segment: string): boolean {
  // NTFS also ignores an alternate data stream's name and type after a colon (`.git::$INDEX_ALLOCATION`).
  return /^(\.git|git~1)[. ]*(:.*)?$/.test(segment.toLowerCase());
}

/** A normalized path relative to the repository root that stays inside it. */
export const RepoPathSchema = z
  .string()
  .superRefine((path, context) => {
    const reason = unsafePathReason(path);
    if (reason !== undefined) {
      context.addIssue({
        code: 'custom',
        message: `unsafe path '${printable(path)}': ${reason}`,
        params: { unsafePath: true },
      });
    }
  })
  .describe(
    'A normalized path relative to the repository root: no "..", not absolute, not under .git/, no control characters.',
  );
