import { HyperionError, printable, unsafePathReason } from '@hyperion/schema';
import { diffGitPaths, headerPath, unquoteGitPath } from './patch-paths.js';

/**
 * What git stores at a path: a regular file (100644), an executable (100755), a symbolic link
 * (120000, its content is the link's target) or a gitlink (160000, a submodule's commit).
 */
export type PatchFileMode = 'regular' | 'executable' | 'symlink' | 'gitlink';

/** One `@@ -a,b +c,d @@` hunk of a parsed patch. */
export interface ParsedPatchHunk {
  /** The header line as written. */
  header: string;
  /** First line of the hunk in the old file. */
  oldStart: number;
  /** Number of old-file lines the hunk covers (context and removed). */
  oldLines: number;
  /** First line of the hunk in the new file. */
  newStart: number;
  /** Number of new-file lines the hunk covers (context and added). */
  newLines: number;
  /** Number of `+` lines. */
  addedLines: number;
  /** Number of `-` lines. */
  removedLines: number;
}

/** One file of a parsed unified diff (git or plain `diff -u` format). */
export interface ParsedPatchFile {
  /** Path before the change, without the `a/` prefix; undefined when the file is created. */
  oldPath: string | undefined;
  /** Path after the change, without the `b/` prefix; undefined when the file is deleted. */
  newPath: string | undefined;
  /** The path the change is about: `newPath`, or `oldPath` for a deletion. */
  path: string;
  /** Whether the file is created, changed (including renamed) or deleted. */
  operation: 'create' | 'update' | 'delete';
  /** True for `Binary files … differ` and `GIT binary patch` changes. */
  binary: boolean;
  /**
   * True when a text hunk's added or context lines hold a NUL byte: content git itself would
   * treat as binary, although the patch is written as text.
   */
  nulBytes: boolean;
  /**
   * The file's mode before the change (`old mode`, `deleted file mode`, the `index` line);
   * undefined when the file is created or the patch does not say (a plain diff).
   */
  oldMode: PatchFileMode | undefined;
  /**
   * The file's mode after the change (`new mode`, `new file mode`, the `index` line); undefined
   * when the file is deleted or the patch does not say.
   */
  newMode: PatchFileMode | undefined;
  /** For a file that is a symlink after the change: the target it points to (its added content). */
  symlinkTarget: string | undefined;
  /** The text hunks, in order. */
  hunks: ParsedPatchHunk[];
}

/** A parsed file with the 0-based indexes of its first and last line in the patch text. */
export interface ParsedPatchFileRange {
  /** The parsed file. */
  file: ParsedPatchFile;
  /** Index of the file's first line (`diff --git` or `---`). */
  firstLine: number;
  /** Index of the file's last line. */
  lastLine: number;
}

interface FileBuilder {
  oldPath: string | undefined;
  newPath: string | undefined;
  isGit: boolean;
  inGitHeader: boolean;
  sawFileHeaders: boolean;
  binary: boolean;
  nulBytes: boolean;
  oldMode: PatchFileMode | undefined;
  newMode: PatchFileMode | undefined;
  addedContent: string[];
  hunks: ParsedPatchHunk[];
  firstLine: number;
  lastLine: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const EXPECTED_HUNK = "(expected '@@ -a,b +c,d @@')";

function invalid(message: string): HyperionError {
  return new HyperionError('invalid_input', message);
}

function pathValue(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('"') ? unquoteGitPath(trimmed) : trimmed;
}

/**
 * Refuses a path read from a patch header (after git's C-quoting is undone, so a quoted
 * `"\033[2K"` is seen as the ESC it stands for) that is not a safe repository path.
 */
function checkedPath(path: string | undefined, lineNumber: number): string | undefined {
  if (path === undefined) return undefined;
  const reason = unsafePathReason(path);
  if (reason !== undefined) {
    throw new HyperionError(
      'unsafe_path',
      `line ${lineNumber}: unsafe path '${printable(path)}': ${reason}`,
      {
        details: { line: lineNumber },
      },
    );
  }
  return path;
}

/** Reads a git mode (`100644`, `100755`, `120000`, `160000`); refuses any other. */
function fileMode(text: string, lineNumber: number): PatchFileMode {
  const mode = text.trim();
  if (mode === '120000') return 'symlink';
  if (mode === '160000') return 'gitlink';
  if (/^100[0-7]{3}$/.test(mode)) return /[1357]/.test(mode.slice(3)) ? 'executable' : 'regular';
  throw invalid(
    `line ${lineNumber}: unknown file mode '${printable(mode)}' (expected 100644, 100755, 120000 or 160000)`,
  );
}

/** Applies a git extended header line (`new file mode`, `rename from`…); false when it is none. */
function applyExtendedHeader(file: FileBuilder, line: string, lineNumber: number): boolean {
  const index = /^index [0-9a-f]+\.\.[0-9a-f]+ (\S+)$/.exec(line);
  if (line.startsWith('new file mode ')) {
    file.oldPath = undefined;
    file.newMode = fileMode(line.slice('new file mode '.length), lineNumber);
  } else if (line.startsWith('deleted file mode ')) {
    file.newPath = undefined;
    file.oldMode = fileMode(line.slice('deleted file mode '.length), lineNumber);
  } else if (line.startsWith('old mode '))
    file.oldMode = fileMode(line.slice('old mode '.length), lineNumber);
  else if (line.startsWith('new mode ')) file.newMode = fileMode(line.slice('new mode '.length), lineNumber);
  else if (index !== null) {
    const mode = fileMode(index[1] ?? '', lineNumber);
    file.oldMode ??= file.oldPath === undefined ? undefined : mode;
    file.newMode ??= file.newPath === undefined ? undefined : mode;
  } else if (line.startsWith('rename from ') || line.startsWith('copy from ')) {
    file.oldPath = checkedPath(pathValue(line.slice(line.indexOf(' from ') + 6)), lineNumber);
  } else if (line.startsWith('rename to ') || line.startsWith('copy to ')) {
    file.newPath = checkedPath(pathValue(line.slice(line.indexOf(' to ') + 4)), lineNumber);
  } else if (line.startsWith('Binary files ')) file.binary = true;
  else if (!/^(similarity index|dissimilarity index|index) /.test(line)) return false;
  return true;
}

function finish(file: FileBuilder): ParsedPatchFileRange {
  const path = file.newPath ?? file.oldPath;
  if (path === undefined) {
    throw invalid(`file at line ${file.firstLine + 1} is /dev/null on both sides`);
  }
  if (file.sawFileHeaders && file.hunks.length === 0 && !file.binary) {
    throw invalid(`file '${path}' at line ${file.firstLine + 1} has file headers but no hunks`);
  }
  const operation = file.oldPath === undefined ? 'create' : file.newPath === undefined ? 'delete' : 'update';
  const newMode = file.newPath === undefined ? undefined : file.newMode;
  return {
    file: {
      oldPath: file.oldPath,
      newPath: file.newPath,
      path,
      operation,
      binary: file.binary,
      nulBytes: file.nulBytes,
      oldMode: file.oldPath === undefined ? undefined : file.oldMode,
      newMode,
      symlinkTarget: newMode === 'symlink' ? file.addedContent.join('\n') : undefined,
      hunks: file.hunks,
    },
    firstLine: file.firstLine,
    lastLine: file.lastLine,
  };
}

function parseHunkHeader(line: string, lineNumber: number): ParsedPatchHunk {
  const match = HUNK_HEADER.exec(line);
  if (match === null) {
    const hasRanges = /^@@ -\d/.test(line);
    throw invalid(
      hasRanges
        ? `hunk header at line ${lineNumber} is malformed ${EXPECTED_HUNK}`
        : `hunk header at line ${lineNumber} has no line ranges ${EXPECTED_HUNK}`,
    );
  }
  return {
    header: line,
    oldStart: Number(match[1]),
    oldLines: match[2] === undefined ? 1 : Number(match[2]),
    newStart: Number(match[3]),
    newLines: match[4] === undefined ? 1 : Number(match[4]),
    addedLines: 0,
    removedLines: 0,
  };
}

function isFileHeaderPair(lines: string[], index: number): boolean {
  return (lines[index] ?? '').startsWith('--- ') && (lines[index + 1] ?? '').startsWith('+++ ');
}

/**
 * Reads the body of the hunk whose header is at `headerIndex` into `hunk` and `file` (NUL bytes,
 * added content); returns the index after it.
 */
function readHunkBody(
  lines: string[],
  headerIndex: number,
  hunk: ParsedPatchHunk,
  file: FileBuilder,
): number {
  const expectation = `hunk at line ${headerIndex + 1} ('${hunk.header}') expects ${hunk.oldLines} old and ${hunk.newLines} new lines`;
  let oldRemaining = hunk.oldLines;
  let newRemaining = hunk.newLines;
  let cursor = headerIndex + 1;
  while (oldRemaining > 0 || newRemaining > 0) {
    const line = lines[cursor];
    if (line === undefined) throw invalid(`${expectation}, but the patch ends at line ${cursor}`);
    // An empty line is an empty context line whose leading space an editor stripped.
    const marker = line.length === 0 ? ' ' : line[0];
    if (marker === ' ') {
      oldRemaining -= 1;
      newRemaining -= 1;
      if (line.includes('\0')) file.nulBytes = true;
    } else if (marker === '-') {
      oldRemaining -= 1;
      hunk.removedLines += 1;
    } else if (marker === '+') {
      newRemaining -= 1;
      hunk.addedLines += 1;
      if (line.includes('\0')) file.nulBytes = true;
      file.addedContent.push(line.slice(1));
    } else if (marker !== '\\') {
      throw invalid(`${expectation}, but line ${cursor + 1} ends the hunk early`);
    }
    if (oldRemaining < 0 || newRemaining < 0) {
      throw invalid(`${expectation}, but line ${cursor + 1} goes past them`);
    }
    cursor += 1;
  }
  if ((lines[cursor] ?? '').startsWith('\\')) cursor += 1;
  const next = lines[cursor];
  const strayBodyLine =
    next !== undefined && /^[-+ ]/.test(next) && next !== '-- ' && !isFileHeaderPair(lines, cursor);
  if (strayBodyLine) throw invalid(`${expectation}, but its body continues at line ${cursor + 1}`);
  return cursor;
}

/** Skips the base85 lines of a `GIT binary patch`; returns the index of the next file or the end. */
function skipBinaryPatch(lines: string[], index: number): { next: number; lastLine: number } {
  let cursor = index + 1;
  let lastLine = index;
  while (cursor < lines.length && !(lines[cursor] ?? '').startsWith('diff --git ')) {
    if ((lines[cursor] ?? '').length > 0) lastLine = cursor;
    cursor += 1;
  }
  // Each binary hunk ends with an empty line, and git refuses the patch without the last one.
  if (lastLine + 1 < cursor && lines[lastLine + 1] === '') lastLine += 1;
  return { next: cursor, lastLine };
}

function newFile(firstLine: number, isGit: boolean): FileBuilder {
  return {
    oldPath: undefined,
    newPath: undefined,
    isGit,
    inGitHeader: isGit,
    sawFileHeaders: false,
    binary: false,
    nulBytes: false,
    oldMode: undefined,
    newMode: undefined,
    addedContent: [],
    hunks: [],
    firstLine,
    lastLine: firstLine,
  };
}

/** The lines of a patch; a final newline does not start another line. */
export function patchLines(patch: string): string[] {
  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** {@link parsePatch}, keeping where each file starts and ends in the patch text. */
export function parsePatchWithRanges(patch: string): ParsedPatchFileRange[] {
  if (patch.trim().length === 0) throw invalid('patch is empty');
  const lines = patchLines(patch);
  const ranges: ParsedPatchFileRange[] = [];
  let current: FileBuilder | undefined;
  const startFile = (file: FileBuilder): FileBuilder => {
    if (current !== undefined) ranges.push(finish(current));
    current = file;
    return file;
  };
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    if (line.startsWith('diff --git ')) {
      const file = startFile(newFile(index, true));
      const paths = diffGitPaths(line.slice('diff --git '.length));
      file.oldPath = checkedPath(paths?.oldPath, index + 1);
      file.newPath = checkedPath(paths?.newPath, index + 1);
      index += 1;
    } else if (current?.inGitHeader === true && line === 'GIT binary patch') {
      current.binary = true;
      current.inGitHeader = false;
      const skipped = skipBinaryPatch(lines, index);
      current.lastLine = skipped.lastLine;
      index = skipped.next;
    } else if (current?.inGitHeader === true && applyExtendedHeader(current, line, index + 1)) {
      current.lastLine = index;
      index += 1;
    } else if (isFileHeaderPair(lines, index)) {
      const reuseGitFile = current?.inGitHeader === true && !current.sawFileHeaders;
      const file: FileBuilder =
        reuseGitFile && current !== undefined ? current : startFile(newFile(index, false));
      file.oldPath = checkedPath(headerPath(line.slice(4), 'a/'), index + 1);
      file.newPath = checkedPath(headerPath((lines[index + 1] ?? '').slice(4), 'b/'), index + 2);
      file.sawFileHeaders = true;
      file.inGitHeader = false;
      file.lastLine = index + 1;
      index += 2;
    } else if (line.startsWith('@@')) {
      const hunk = parseHunkHeader(line, index + 1);
      if (current === undefined || !current.sawFileHeaders) {
        throw invalid(`hunk header at line ${index + 1} comes before any '---'/'+++' file header`);
      }
      index = readHunkBody(lines, index, hunk, current);
      current.hunks.push(hunk);
      current.lastLine = index - 1;
    } else {
      // Anything else (a commit message, `index` lines of plain diffs, a signature) is ignored,
      // as `git apply` does, but it ends a git file's extended header section.
      if (current !== undefined) current.inGitHeader = false;
      index += 1;
    }
  }
  if (current !== undefined) ranges.push(finish(current));
  if (ranges.length === 0) {
    throw invalid("patch has no file headers (expected 'diff --git' or '---'/'+++' lines)");
  }
  return ranges;
}

/**
 * Parses a unified diff (git or plain `diff -u` format) without touching disk. Strips `a/` and `b/`
 * prefixes; `/dev/null`, `new file mode` and `deleted file mode` mark creations and deletions;
 * `Binary files … differ` and `GIT binary patch` mark binary changes; NUL bytes in a text hunk,
 * file modes (symlinks and gitlinks included) and a symlink's target are recorded. Throws
 * `HyperionError('invalid_input')` naming the line number when a hunk header has no line ranges,
 * hunk line counts do not match the body, a mode is unknown, or the patch has no file headers,
 * and `HyperionError('unsafe_path')` when a path in a header (unquoted first) is unsafe:
 * absolute, `..`, under `.git/`, or holding a control character.
 */
export function parsePatch(patch: string): ParsedPatchFile[] {
  return parsePatchWithRanges(patch).map((range) => range.file);
}
