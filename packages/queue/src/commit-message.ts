import { HyperionError, type QueueEntry } from '@hyperion/schema';
import { formatHyperionTrailers, provesLanding, type LandingProof, type Worktree } from '@hyperion/git';

/** The longest subject, in characters, before it is cut (with `…`). */
export const SUBJECT_MAX_CHARACTERS = 100;

/** Line breaks, tabs and other separators: each becomes a space. */
const SEPARATORS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
/** Other control characters (escape sequences, NUL…) and invisible format characters (bidi overrides, zero-width). */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

/** `text` as one line of plain printable text: no control characters, single spaces, trimmed. */
function oneLine(text: string): string {
  return text.replace(SEPARATORS, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

function capped(text: string): string {
  const characters = Array.from(text);
  if (characters.length <= SUBJECT_MAX_CHARACTERS) return text;
  return `${characters
    .slice(0, SUBJECT_MAX_CHARACTERS - 1)
    .join('')
    .trimEnd()}…`;
}

/**
 * The commit subject of `entry`: its submitted summary made one line of plain text (line breaks
 * and tabs become spaces, control and invisible format characters are removed, spaces collapse),
 * at most {@link SUBJECT_MAX_CHARACTERS} characters. When nothing is left, the task id and paths.
 * Submitted text never becomes a body paragraph, so it can never be read as a trailer block.
 */
export function commitSubject(entry: Pick<QueueEntry, 'id' | 'summary' | 'task_id' | 'paths'>): string {
  const fallback = [oneLine(entry.task_id), oneLine(entry.paths.join(', '))].filter(Boolean).join(': ');
  return capped(oneLine(entry.summary) || fallback || oneLine(`Change ${entry.id}`));
}

/** What proves on the branch that `entry` landed: its change id and its own patch id. */
export function landingProof(entry: Pick<QueueEntry, 'id' | 'patch_hash'>): LandingProof {
  return { changeId: entry.id, patchHash: entry.patch_hash };
}

/**
 * The whole commit message of `entry`: {@link commitSubject}, a blank line, and Hyperion's trailer
 * block as the last paragraph, alone (`Hyperion-Task`, `Hyperion-Change`, `Hyperion-Request` when
 * the entry has a request, `Hyperion-Patch`). Throws `invalid_input` naming the trailer when an id
 * is not one printable token (ids are refused at submit, so this guards entries stored earlier).
 */
export function entryCommitMessage(entry: QueueEntry): string {
  const block = formatHyperionTrailers({
    task: entry.task_id,
    change: entry.id,
    ...(entry.request_id === null ? {} : { request: entry.request_id }),
    patch: entry.patch_hash,
  });
  return `${commitSubject(entry)}\n\n${block}\n`;
}

/**
 * Commits the index of `worktree` (the patch applied by `git apply --index`, or the merged tree)
 * with {@link entryCommitMessage} and returns the sha: `Worktree.commitIndex`, so the tree is
 * the one the worktree holds and the checks run on, the commit object is written in-process and
 * no hook can rewrite it. Throws `git_failed` when the stored message does not end with the
 * entry's own trailer block: such a commit could not prove its landing later, so it is never
 * landed.
 */
export async function commitEntry(worktree: Worktree, entry: QueueEntry): Promise<string> {
  const commit = await worktree.commitIndex({ message: entryCommitMessage(entry) });
  return requireLandingProof(worktree, entry, commit);
}

/**
 * `commit` (the entry's own commit), once its stored message is read back and found to end with
 * the entry's Hyperion trailer block; throws `git_failed` otherwise.
 */
export async function requireLandingProof(
  worktree: Worktree,
  entry: QueueEntry,
  commit: string,
): Promise<string> {
  const stored = await worktree.repository.readCommitMessage(commit);
  if (!provesLanding(stored, landingProof(entry))) {
    throw new HyperionError(
      'git_failed',
      `commit ${commit.slice(0, 12)} of ${entry.id} does not end with its Hyperion trailer block: a hook or git configuration changed the message`,
      { details: { id: entry.id, commit } },
    );
  }
  return commit;
}
