import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runGit, type GitRepository, type Worktree } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import { readFilesAtCommit } from './read-files-at-commit.js';

/** One file of a conflicted change, as the resolver's workspace holds it. */
export interface MarkedUpFile {
  /** Repository-relative path (one of the entry's paths). */
  path: string;
  /** The file at the change's base commit (null: it did not exist). */
  base: string | null;
  /** The file at the branch's new tip: "ours". */
  tip: string | null;
  /** The file as the change made it, on its base: "theirs". */
  change: string | null;
  /** What the workspace holds: the 3-way merge, with conflict markers when `conflicted`. */
  merged: string | null;
  /** True when `git merge-file` left conflict markers in it. */
  conflicted: boolean;
}

/** The result of {@link markUpConflicts}. */
export type MarkupOutcome =
  { outcome: 'marked'; files: MarkedUpFile[] } | { outcome: 'impossible'; reason: string };

/** The labels of the markers: fixed words, never a submitter's text. */
const LABELS = ['tip', 'base', 'change'] as const;

/**
 * True when `content` still holds a marker line of {@link markUpConflicts} (`<<<<<<< tip`,
 * `>>>>>>> change`). The `=======` separator alone is not counted: it is also a Markdown heading
 * underline.
 */
export function hasConflictMarkers(content: string): boolean {
  return /^(?:<{7} tip|>{7} change|\|{7} base)\r?$/m.test(content);
}

/**
 * Puts the conflicted change into `worktree` as a real 3-way merge, file by file: the patch is
 * applied on its own base commit (in `worktree`), each of its files is merged with `git merge-file`
 * (base, the tip's version, the change's version), and `worktree` is reset to `tip` with the merged
 * files written into it — cleanly merged files as merged, the others with their conflict markers.
 * Impossible (with the reason) when the change names no base commit, its patch does not apply there,
 * a file is binary, or one side deleted a file the other changed (no marker can show that).
 */
export async function markUpConflicts(
  repository: GitRepository,
  worktree: Worktree,
  entry: QueueEntry,
  tip: string,
): Promise<MarkupOutcome> {
  const base = entry.base_commit;
  if (base === null || (await repository.resolveRef(base)) === undefined) {
    return {
      outcome: 'impossible',
      reason: 'the change names no base commit of this repository to merge from',
    };
  }
  await worktree.resetTo(base);
  const applied = await worktree.tryApplyPatch(entry.patch);
  if (!applied.applied) {
    return { outcome: 'impossible', reason: 'the patch does not apply on its own base commit' };
  }
  const changed = new Map<string, string | null>();
  for (const path of entry.paths) changed.set(path, await readOrNull(join(worktree.path, path)));
  const [atBase, atTip] = await Promise.all([
    readFilesAtCommit(repository, base, entry.paths),
    readFilesAtCommit(repository, tip, entry.paths),
  ]);
  await worktree.resetTo(tip);
  const escaping = await worktree.pathsEscapingThroughSymlinks(entry.paths);
  if (escaping.length > 0) {
    return {
      outcome: 'impossible',
      reason: `${escaping.join(', ')} resolves outside the repository at the tip`,
    };
  }
  const files: MarkedUpFile[] = [];
  for (const path of entry.paths) {
    const file = await mergeOne(
      repository,
      path,
      atBase.get(path) ?? null,
      atTip.get(path) ?? null,
      changed.get(path) ?? null,
    );
    if ('reason' in file) return { outcome: 'impossible', reason: file.reason };
    files.push(file);
  }
  for (const file of files) {
    const target = join(worktree.path, file.path);
    if (file.merged === null) await rm(target, { force: true });
    else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.merged);
    }
  }
  return { outcome: 'marked', files };
}

async function mergeOne(
  repository: GitRepository,
  path: string,
  base: string | null,
  tip: string | null,
  change: string | null,
): Promise<MarkedUpFile | { reason: string }> {
  const file = { path, base, tip, change };
  if ([base, tip, change].some((content) => content !== null && content.includes('\0'))) {
    return { reason: `${path} is binary: conflict markers cannot show its sides` };
  }
  if (change === tip) return { ...file, merged: tip, conflicted: false };
  if (tip === base) return { ...file, merged: change, conflicted: false };
  if (change === base) return { ...file, merged: tip, conflicted: false };
  if (tip === null || change === null) {
    return { reason: `${path} was deleted on one side and changed on the other` };
  }
  const directory = await mkdtemp(join(tmpdir(), 'hyperion-merge-file-'));
  try {
    const names = ['tip', 'base', 'change'].map((name) => join(directory, name));
    await Promise.all([
      writeFile(names[0]!, tip),
      writeFile(names[1]!, base ?? ''),
      writeFile(names[2]!, change),
    ]);
    const merge = await runGit(
      [
        'merge-file',
        '-p',
        '--diff3',
        ...LABELS.flatMap((label) => ['-L', label]),
        names[0]!,
        names[1]!,
        names[2]!,
      ],
      { cwd: repository.root, allowFailure: true },
    );
    // The exit status is the number of conflicts (0: clean); a negative one (255) is an error.
    if (merge.exitCode < 0 || merge.exitCode > 127) {
      return { reason: `git merge-file failed on ${path}: ${merge.stderr.trim()}` };
    }
    return { ...file, merged: merge.stdout, conflicted: merge.exitCode > 0 };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}
