import { runGit, type Worktree } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import { recordEntryEvent, type QueueRuntime } from './runtime.js';

/** A machine-readable account of why a patch does not apply on the current tip. */
export interface ConflictReport {
  /** The commit the patch was made against (null when the submission did not say). */
  base_commit: string | null;
  /** The tip of the target branch it was tried on. */
  tip: string;
  /** The files (and the error git gave for each) that did not apply. */
  files: Array<{ path: string; error: string }>;
  /** Commits between base and tip that touched the entry's files, newest first (`change_id` from Hyperion's own trailer block). */
  intervening_commits: Array<{ commit: string; subject: string; change_id: string | null; paths: string[] }>;
  /** git's own message. */
  git_output: string;
  /** For a stacked entry: the entries it was stacked on that did not land, and why. */
  dependencies?: Array<{ id: string; state: string; reason: string | null }>;
}

/** The report of a stacked entry whose predecessors did not land (no git run is needed). */
export function dependencyConflictReport(
  entry: QueueEntry,
  unlanded: readonly QueueEntry[],
  tip: string,
): ConflictReport {
  return {
    base_commit: entry.base_commit,
    tip,
    files: entry.paths.map((path) => ({ path, error: 'made on top of a change that did not land' })),
    intervening_commits: [],
    git_output: '',
    dependencies: unlanded.map((dependency) => ({
      id: dependency.id,
      state: dependency.state,
      reason: dependency.last_error,
    })),
  };
}

/** The result of putting an entry's patch on a worktree. */
export type ApplyOutcome =
  | {
      outcome: 'applied';
      mode: 'direct' | 'three-way';
      /** The data of its `entry:applied` event (recorded already, unless the caller deferred it). */
      event: Record<string, unknown>;
    }
  | { outcome: 'conflicted'; reason: string; report: ConflictReport }
  | { outcome: 'rejected'; reason: string; data: Record<string, unknown> };

/** Options of {@link applyEntry}. */
export interface ApplyEntryOptions {
  /**
   * Leave the `entry:applied` event to the caller (its data is in the outcome), which records it
   * in one transaction with the build's other events.
   */
  deferEvent?: boolean;
  /**
   * False: a conflict report's `intervening_commits` is left empty (no `git log`, no trailer
   * read), for a trial whose report is never kept (on a speculative base, an entry that does not
   * apply is tried on the tip, and only that report is recorded). Default true.
   */
  interveningCommits?: boolean;
}

/**
 * Puts the entry's patch on `worktree` (already reset to `tip`) before any check runs: first as
 * is (one `git apply --index`, which applies all of it or nothing); when that fails and the submission named its
 * base commit, as a 3-way merge against that base ("auto-rebase"). A patch that still does not
 * apply yields a conflict report. Symlink escapes are refused before anything is applied.
 */
export async function applyEntry(
  runtime: QueueRuntime,
  entry: QueueEntry,
  worktree: Worktree,
  tip: string,
  worker: string,
  options: ApplyEntryOptions = {},
): Promise<ApplyOutcome> {
  const applied = async (
    event: Record<string, unknown>,
    mode: 'direct' | 'three-way',
  ): Promise<ApplyOutcome> => {
    if (options.deferEvent !== true)
      await recordEntryEvent(runtime, entry.id, 'entry:applied', event, worker);
    return { outcome: 'applied', mode, event };
  };
  const escaping = await worktree.pathsEscapingThroughSymlinks(entry.paths);
  if (escaping.length > 0) {
    return {
      outcome: 'rejected',
      reason: `unsafe path: ${escaping.join(', ')} resolves outside the repository through a symlink`,
      data: { paths: escaping },
    };
  }
  // One `git apply --index`: it applies the whole patch or nothing, so no `--check` run is needed first.
  const direct = await worktree.tryApplyPatch(entry.patch);
  if (direct.applied) {
    const escapingNow = await symlinkEscapeAfterApply(entry, worktree, tip);
    if (escapingNow !== undefined) return escapingNow;
    return applied({ tip, mode: 'direct' }, 'direct');
  }
  const baseKnown =
    entry.base_commit !== null &&
    entry.base_commit !== tip &&
    (await runtime.repository.resolveRef(entry.base_commit)) !== undefined;
  let conflictedFiles: string[] = [];
  // A refusal in git's check phase leaves the worktree as it was: the tip, with nothing untracked
  // in it. A failure while writing (a path blocked by a file, a full disk) may have left files of
  // the patch behind, which the next entry of the chain and the checks would otherwise see.
  if (!direct.untouched) await worktree.resetTo(tip);
  let left: MergeLeft = 'untouched';
  if (baseKnown) {
    const merged = await threeWayMerge(worktree, entry, entry.base_commit!, tip);
    if (merged.clean) {
      const escapingNow = await symlinkEscapeAfterApply(entry, worktree, tip);
      if (escapingNow !== undefined) return escapingNow;
      return applied(
        { tip, mode: 'three-way', base_commit: entry.base_commit, auto_rebased: true },
        'three-way',
      );
    }
    conflictedFiles = merged.conflictedFiles;
    left = merged.left;
  }
  if (left === 'dirty') await worktree.resetTo(tip);
  const report = await conflictReport(
    runtime,
    entry,
    tip,
    direct.reason,
    conflictedFiles,
    options.interveningCommits !== false,
  );
  return conflictedOutcome(entry, tip, report);
}

/** The `conflicted` outcome of `entry` on `tip`, with `report`. */
function conflictedOutcome(entry: QueueEntry, tip: string, report: ConflictReport): ConflictedOutcome {
  const where = report.files.map((file) => file.path).join(', ') || entry.paths.join(', ');
  return {
    outcome: 'conflicted',
    reason: `patch does not apply on ${entry.target_branch} at ${tip.slice(0, 12)} (${where}): ${firstLine(report.git_output)}`,
    report,
  };
}

/** What a conflicted {@link applyEntry} gives. */
export type ConflictedOutcome = Extract<ApplyOutcome, { outcome: 'conflicted' }>;

/**
 * The conflict `trial` found for `entry` on another commit (a speculative chain's head), restated
 * on `tip`, with the report a trial on `tip` keeps (the intervening commits between the entry's
 * base and `tip`). Only for a commit that differs from `tip` in no path of the entry (see
 * `sameForEntryAsTip`): there, `git apply` and the 3-way merge come to the same result, so the
 * trial on `tip` is not run again.
 */
export async function conflictRestatedOnTip(
  runtime: QueueRuntime,
  entry: QueueEntry,
  trial: ConflictedOutcome,
  tip: string,
): Promise<ConflictedOutcome> {
  const conflictedFiles = trial.report.files
    .filter((file) => file.error === BOTH_SIDES_CHANGED)
    .map((file) => file.path);
  const report = await conflictReport(runtime, entry, tip, trial.report.git_output, conflictedFiles, true);
  return conflictedOutcome(entry, tip, report);
}

/**
 * How {@link threeWayMerge} left the worktree when the merge was not clean: as it was (the tip),
 * or with anything in it (a failed `git apply --3way`: reset it).
 */
type MergeLeft = 'untouched' | 'dirty';

/**
 * The auto-rebase: applies the patch on its own base commit, then merges that commit with the tip
 * in memory (`git merge-tree --write-tree`). When the merge is clean the worktree is set to the
 * merged tree on top of the tip; otherwise the conflicted files are returned.
 *
 * The patch goes on the base in a throw-away index (`Worktree.commitPatchOn`: the tree `git apply
 * --index` gives on a checkout of the base), so the worktree stays at the tip throughout, as the
 * caller gave it (reset, and untouched by the failed direct apply): no checkout of the base and
 * back, and a clean merge is read into it as before.
 */
async function threeWayMerge(
  worktree: Worktree,
  entry: QueueEntry,
  base: string,
  tip: string,
): Promise<{ clean: true } | { clean: false; conflictedFiles: string[]; left: MergeLeft }> {
  const ancestor = await runGit(['merge-base', '--is-ancestor', base, tip], {
    cwd: worktree.path,
    allowFailure: true,
  });
  if (ancestor.exitCode !== 0) {
    // A base outside the tip's history: merging its commit would also bring in every other change
    // of that history. Only the patch's own lines are merged, file by file, from the blobs it names.
    try {
      await worktree.applyPatch(entry.patch, { threeWay: true });
      return { clean: true };
    } catch {
      return { clean: false, conflictedFiles: [], left: 'dirty' };
    }
  }
  const rebased = await worktree.commitPatchOn(base, entry.patch, {
    message: `hyperion: ${entry.id} on its base`,
  });
  if (!rebased.committed) return { clean: false, conflictedFiles: [], left: 'untouched' };
  const merge = await runGit(
    ['merge-tree', '--write-tree', '--name-only', '--no-messages', tip, rebased.commit],
    {
      cwd: worktree.path,
      allowFailure: true,
    },
  );
  const [tree = '', ...conflicted] = merge.stdout.split('\n').filter((line) => line !== '');
  if (merge.exitCode !== 0)
    return { clean: false, conflictedFiles: [...new Set(conflicted)], left: 'untouched' };
  await runGit(['read-tree', '-u', '--reset', tree], { cwd: worktree.path });
  return { clean: true };
}

/**
 * Defence in depth behind the submission's checks: once the patch is on the worktree, none of the
 * entry's paths may be a symlink that resolves outside it (say, an existing link retargeted by a
 * patch that did not name its mode). Such an entry is refused and the worktree reset.
 */
async function symlinkEscapeAfterApply(
  entry: QueueEntry,
  worktree: Worktree,
  tip: string,
): Promise<ApplyOutcome | undefined> {
  const escaping = await worktree.pathsEscapingThroughSymlinks(entry.paths);
  if (escaping.length === 0) return undefined;
  await worktree.resetTo(tip);
  return {
    outcome: 'rejected',
    reason: `unsafe path: after the patch, ${escaping.join(', ')} is a symlink resolving outside the repository`,
    data: { paths: escaping },
  };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? text
  );
}

/** A conflict report's error for a file the 3-way merge found conflicted. */
const BOTH_SIDES_CHANGED = 'both sides changed the same lines';

async function conflictReport(
  runtime: QueueRuntime,
  entry: QueueEntry,
  tip: string,
  gitOutput: string,
  conflictedFiles: string[],
  withInterveningCommits: boolean,
): Promise<ConflictReport> {
  const files = new Map<string, string>(conflictedFiles.map((path) => [path, BOTH_SIDES_CHANGED]));
  for (const line of gitOutput.split('\n')) {
    const match = /^error: (?:patch failed: )?([^:]+):(?:\d+:)?\s*(.*)$/.exec(line.trim());
    if (match !== null && entry.paths.includes(match[1]!) && !files.has(match[1]!))
      files.set(match[1]!, line.trim());
  }
  const intervening: ConflictReport['intervening_commits'] = [];
  const report: ConflictReport = {
    base_commit: entry.base_commit,
    tip,
    files: [...files].map(([path, error]) => ({ path, error })),
    intervening_commits: intervening,
    git_output: gitOutput,
  };
  if (!withInterveningCommits) return report;
  const range = entry.base_commit === null ? ['-n', '5', tip] : [`${entry.base_commit}..${tip}`];
  const log = await runGit(
    ['log', '-z', '--format=%x01%H%x09%s', '--name-only', ...range, '--', ...entry.paths],
    {
      cwd: runtime.repository.root,
      allowFailure: true,
    },
  );
  for (const record of log.stdout.split('\x01').filter((text) => text.trim() !== '')) {
    const [header = '', ...names] = record.split('\n');
    const [commit = '', subject = ''] = header.split('\t');
    const paths = names
      .join('\n')
      .split('\0')
      .map((name) => name.trim())
      .filter((name) => entry.paths.includes(name));
    // Only Hyperion's own trailer block names a change; a look-alike in a person's commit does not.
    const trailers = await runtime.repository.readHyperionTrailers(commit);
    intervening.push({ commit, subject, change_id: trailers?.change ?? null, paths });
  }
  return report;
}
