import type { QueueState } from '@hyperion/schema';
import type { Session } from './session.js';

/**
 * States whose entries hold their paths: a later entry on one of those paths waits. (An entry
 * awaiting approval holds only its dependents, as in the SQLite store and ARCHITECTURE.md.)
 */
export const HOLDING_STATES: readonly QueueState[] = ['queued', 'running'];
/** States of entries that have not finished: their dependents wait. */
export const UNFINISHED_STATES: readonly QueueState[] = ['queued', 'running', 'awaiting_approval'];

/** `IN (...)` list of the holding states, for SQL. */
export const HOLDING_SQL = "('queued', 'running')";
/** `IN (...)` list of the unfinished states, for SQL. */
export const UNFINISHED_SQL = "('queued', 'running', 'awaiting_approval')";

/** True when a transition between these states changes what the entry holds (needs the lock). */
export function changesStructure(from: QueueState, to: QueueState): boolean {
  return (
    HOLDING_STATES.includes(from) !== HOLDING_STATES.includes(to) ||
    UNFINISHED_STATES.includes(from) !== UNFINISHED_STATES.includes(to)
  );
}

/** The part of an entry the structure reads. */
export interface StructureEntry {
  sequence: number;
  id: string;
  target_branch: string;
  paths: readonly string[];
}

/**
 * The entries whose blockers change when `sequence` starts or stops holding its paths: on each of
 * its paths that no earlier entry holds, the next holder after it (one per path, counted).
 */
const NEXT_HOLDERS = `
  SELECT next, count(*)::int AS paths FROM (
    SELECT (SELECT min(later.sequence) FROM queue_entry_paths later
             WHERE later.target_branch = changed.target_branch AND later.path = changed.path
               AND later.sequence > $1) AS next
      FROM changed
     WHERE NOT EXISTS (SELECT 1 FROM queue_entry_paths earlier
                        WHERE earlier.target_branch = changed.target_branch AND earlier.path = changed.path
                          AND earlier.sequence < $1)
  ) AS holders WHERE next IS NOT NULL GROUP BY next`;

/** The entry stops holding its paths: the next holder on each path it led loses a blocker. */
async function releasePaths(session: Session, entry: StructureEntry): Promise<void> {
  await session.query(
    `WITH changed AS (DELETE FROM queue_entry_paths WHERE sequence = $1 RETURNING target_branch, path)
     UPDATE queue_entries SET blockers = blockers - holders.paths
       FROM (${NEXT_HOLDERS}) AS holders WHERE queue_entries.sequence = holders.next`,
    [entry.sequence],
  );
}

/** The entry starts holding its paths: the next holder on each path it now leads gains a blocker. */
async function holdPaths(session: Session, entry: StructureEntry): Promise<void> {
  await session.query(
    `WITH changed AS (
       INSERT INTO queue_entry_paths (sequence, target_branch, path)
       SELECT $1, $2, path FROM unnest($3::text[]) AS path ON CONFLICT DO NOTHING
       RETURNING target_branch, path)
     UPDATE queue_entries SET blockers = blockers + holders.paths
       FROM (${NEXT_HOLDERS}) AS holders WHERE queue_entries.sequence = holders.next`,
    [entry.sequence, entry.target_branch, [...new Set(entry.paths)]],
  );
}

/**
 * Adds `delta` to the blockers of the holding entries of the same target branch that depend on
 * the entry (a dependency on another branch's entry holds nothing, as in the SQLite store).
 */
async function adjustDependents(session: Session, entry: StructureEntry, delta: number): Promise<void> {
  await session.query(
    `UPDATE queue_entries SET blockers = blockers + $2
       FROM queue_entry_dependencies dependency
      WHERE dependency.depends_on = $1 AND queue_entries.sequence = dependency.sequence
        AND queue_entries.target_branch = $3 AND queue_entries.state IN ${HOLDING_SQL}`,
    [entry.id, delta, entry.target_branch],
  );
}

/**
 * The blockers of one entry counted from scratch: paths with an earlier holder, unfinished
 * dependencies; both within the entry's target branch.
 */
export const COUNT_BLOCKERS = `
  (SELECT count(*) FROM queue_entry_paths mine
    WHERE mine.sequence = queue_entries.sequence
      AND EXISTS (SELECT 1 FROM queue_entry_paths earlier
                   WHERE earlier.target_branch = mine.target_branch AND earlier.path = mine.path
                     AND earlier.sequence < mine.sequence))
  + (SELECT count(*) FROM queue_entry_dependencies dependency
       JOIN queue_entries needed ON needed.id = dependency.depends_on
      WHERE dependency.sequence = queue_entries.sequence AND needed.target_branch = queue_entries.target_branch
        AND needed.state IN ${UNFINISHED_SQL})`;

/** Counts the blockers of one entry from scratch (it just started holding its paths). */
async function recountBlockers(session: Session, sequence: number): Promise<void> {
  await session.query(`UPDATE queue_entries SET blockers = ${COUNT_BLOCKERS} WHERE sequence = $1`, [
    sequence,
  ]);
}

/**
 * Keeps `queue_entry_paths` and every holding entry's `blockers` exact after `entry` moved from
 * `from` to `to` (its row already says `to`). The caller holds the queue-structure lock.
 *
 * `blockers` of a holding entry = its paths on which an earlier-submitted entry of its target
 * branch holds (is queued or running) + its `depends_on` entries of its target branch that exist
 * and are unfinished. Only holding entries'
 * counts are kept; an entry starting to hold is counted from scratch.
 */
export async function applyStructureChange(
  session: Session,
  entry: StructureEntry,
  from: QueueState | null,
  to: QueueState,
): Promise<void> {
  const wasHolding = from !== null && HOLDING_STATES.includes(from);
  const isHolding = HOLDING_STATES.includes(to);
  const wasUnfinished = from !== null && UNFINISHED_STATES.includes(from);
  const isUnfinished = UNFINISHED_STATES.includes(to);
  if (wasHolding && !isHolding) await releasePaths(session, entry);
  if (!wasHolding && isHolding) await holdPaths(session, entry);
  if (wasUnfinished !== isUnfinished) await adjustDependents(session, entry, isUnfinished ? 1 : -1);
  if (!wasHolding && isHolding) await recountBlockers(session, entry.sequence);
}

/**
 * Rebuilds `queue_entry_paths`, `queue_entry_dependencies` and every `blockers` from the entries
 * (after an import). The caller holds the queue-structure lock.
 */
export async function rebuildStructure(session: Session): Promise<void> {
  await session.query('DELETE FROM queue_entry_paths');
  await session.query('DELETE FROM queue_entry_dependencies');
  await session.query(
    `INSERT INTO queue_entry_paths (sequence, target_branch, path)
     SELECT DISTINCT sequence, target_branch, path FROM queue_entries, json_array_elements_text(paths::json) AS path
      WHERE state IN ${HOLDING_SQL}`,
  );
  await session.query(
    `INSERT INTO queue_entry_dependencies (sequence, depends_on)
     SELECT DISTINCT sequence, needed FROM queue_entries, json_array_elements_text(depends_on::json) AS needed`,
  );
  await session.query(
    `UPDATE queue_entries SET blockers = CASE WHEN state IN ${HOLDING_SQL} THEN ${COUNT_BLOCKERS} ELSE 0 END`,
  );
}
