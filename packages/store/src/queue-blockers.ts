import type Database from 'better-sqlite3';

/**
 * The `blockers` count of queue entries, kept up to date so that leasing is one indexed read
 * (`state = 'queued' AND blockers = 0`) instead of a scan of every waiting entry.
 *
 * The rule it encodes is the one leasing always had (see `HyperionStore.leaseNext`), within one
 * target branch. On a file, the *holders* are the entries that are `queued` or `running` (an entry
 * awaiting approval holds its dependents, not its files). A holder is kept off a file when another
 * holder of that file was submitted before it, or another holder of it is running. Sorting the
 * holders of a file by submission, every one after the first is therefore kept off, and the first
 * is kept off only while another holder of the file runs. So when one entry starts or stops
 * holding a file (or starts or stops running on it), only the first two holders of that file and
 * the entry itself can change: each of those is recomputed, nothing else is read.
 *
 * Per entry and file, `queue_entry_paths.blocked` says whether that file keeps the entry off, and
 * `queue_entries.blockers` = the files that keep it off + the entries it depends on (same target
 * branch) that have not finished (`queued`, `running`, `awaiting_approval`). Finished entries have
 * 0 blockers; their count is made again when they come back.
 */

/**
 * Whether an entry in `state` holds its files (`queue_entry_paths.holding`): 1 when queued or
 * running, 0 otherwise. The files of running entries are also in `queue_running_paths`, a table
 * as small as the number of running entries, so a lease writes one row there and none here.
 */
export function holdingOf(state: string): number {
  return state === 'queued' || state === 'running' ? 1 : 0;
}

/** True for the states of an entry that has not finished. */
export function isUnfinished(state: string): boolean {
  return state === 'queued' || state === 'running' || state === 'awaiting_approval';
}

/**
 * The rebuild as migration 5 ran it (files held at 2 while running), kept verbatim because that
 * migration runs it on stores that have not reached migration 6 yet.
 */
export const REBUILD_QUEUE_BLOCKERS_SQL_V5 = `
  DELETE FROM queue_entry_paths;
  DELETE FROM queue_entry_dependencies;
  INSERT OR IGNORE INTO queue_entry_paths (entry_id, target_branch, path, sequence, holding, blocked)
    SELECT entry.id, entry.target_branch, path.value, entry.sequence,
           CASE entry.state WHEN 'queued' THEN 1 WHEN 'running' THEN 2 ELSE 0 END, 0
    FROM queue_entries AS entry, json_each(entry.paths) AS path;
  INSERT OR IGNORE INTO queue_entry_dependencies (entry_id, depends_on)
    SELECT entry.id, dependency.value FROM queue_entries AS entry, json_each(entry.depends_on) AS dependency;
  UPDATE queue_entry_paths SET blocked = 1
    WHERE holding > 0 AND EXISTS (
      SELECT 1 FROM queue_entry_paths AS other
      WHERE other.target_branch = queue_entry_paths.target_branch AND other.path = queue_entry_paths.path
        AND other.holding > 0 AND other.entry_id <> queue_entry_paths.entry_id
        AND (other.sequence < queue_entry_paths.sequence OR other.holding = 2));
  UPDATE queue_entries SET blockers = CASE WHEN state IN ('queued', 'running', 'awaiting_approval') THEN
      (SELECT COUNT(*) FROM queue_entry_paths AS path WHERE path.entry_id = queue_entries.id AND path.blocked = 1)
      + (SELECT COUNT(*) FROM queue_entry_dependencies AS link
         JOIN queue_entries AS dependency ON dependency.id = link.depends_on
         WHERE link.entry_id = queue_entries.id AND dependency.target_branch = queue_entries.target_branch
           AND dependency.state IN ('queued', 'running', 'awaiting_approval'))
    ELSE 0 END;
`;

/** SQL that rebuilds the file and dependency tables and every `blockers` count from the entries. */
export const REBUILD_QUEUE_BLOCKERS_SQL = `
  DELETE FROM queue_entry_paths;
  DELETE FROM queue_entry_dependencies;
  DELETE FROM queue_running_paths;
  INSERT OR IGNORE INTO queue_entry_paths (entry_id, target_branch, path, sequence, holding, blocked)
    SELECT entry.id, entry.target_branch, path.value, entry.sequence,
           CASE WHEN entry.state IN ('queued', 'running') THEN 1 ELSE 0 END, 0
    FROM queue_entries AS entry, json_each(entry.paths) AS path;
  INSERT OR IGNORE INTO queue_running_paths (target_branch, path, entry_id)
    SELECT held.target_branch, held.path, held.entry_id FROM queue_entry_paths AS held
    JOIN queue_entries AS entry ON entry.id = held.entry_id WHERE entry.state = 'running';
  INSERT OR IGNORE INTO queue_entry_dependencies (entry_id, depends_on)
    SELECT entry.id, dependency.value FROM queue_entries AS entry, json_each(entry.depends_on) AS dependency;
  UPDATE queue_entry_paths SET blocked = 1
    WHERE holding > 0 AND EXISTS (
      SELECT 1 FROM queue_entry_paths AS other
      WHERE other.target_branch = queue_entry_paths.target_branch AND other.path = queue_entry_paths.path
        AND other.holding > 0 AND other.entry_id <> queue_entry_paths.entry_id
        AND (other.sequence < queue_entry_paths.sequence OR EXISTS (
          SELECT 1 FROM queue_running_paths AS running
          WHERE running.target_branch = other.target_branch AND running.path = other.path
            AND running.entry_id = other.entry_id)));
  UPDATE queue_entries SET blockers = CASE WHEN state IN ('queued', 'running', 'awaiting_approval') THEN
      (SELECT COUNT(*) FROM queue_entry_paths AS path WHERE path.entry_id = queue_entries.id AND path.blocked = 1)
      + (SELECT COUNT(*) FROM queue_entry_dependencies AS link
         JOIN queue_entries AS dependency ON dependency.id = link.depends_on
         WHERE link.entry_id = queue_entries.id AND dependency.target_branch = queue_entries.target_branch
           AND dependency.state IN ('queued', 'running', 'awaiting_approval'))
    ELSE 0 END;
`;

/** Rebuilds every `blockers` count from the entries (after rows were written without the store). */
export function rebuildQueueBlockers(database: Database.Database): void {
  database.exec(REBUILD_QUEUE_BLOCKERS_SQL);
}

/** Whether another holder keeps the entry of a `queue_entry_paths` row (alias `held`) off its file. */
const SHOULD_BLOCK = `(EXISTS (SELECT 1 FROM queue_entry_paths AS other
    WHERE other.target_branch = held.target_branch AND other.path = held.path AND other.holding > 0
      AND other.sequence < held.sequence)
  OR EXISTS (SELECT 1 FROM queue_running_paths AS running
    WHERE running.target_branch = held.target_branch AND running.path = held.path
      AND running.entry_id <> held.entry_id))`;

interface PathRow {
  entry_id: string;
  path: string;
  blocked: number;
  should_block: number;
}

/** Keeps `blockers` true as entries are added and change state; statements are prepared once. */
export class QueueBlockers {
  private readonly insertPath: Database.Statement;
  private readonly insertDependency: Database.Statement;
  private readonly countOpenDependencies: Database.Statement;
  private readonly setBlockers: Database.Statement;
  private readonly addBlockers: Database.Statement;
  private readonly dependents: Database.Statement;
  private readonly addToOpenEntry: Database.Statement;
  private readonly ownBlockedCount: Database.Statement;
  private readonly setHoldingReturningPaths: Database.Statement;
  private readonly ownPaths: Database.Statement;
  private readonly startRunning: Database.Statement;
  private readonly stopRunning: Database.Statement;
  private readonly firstHolders: Database.Statement;
  private readonly ownRow: Database.Statement;
  private readonly setBlocked: Database.Statement;

  constructor(database: Database.Database) {
    // A new entry is the last one submitted: only the other holders of its files can keep it
    // off, so whether a file does is known as its row is written (nothing is read back).
    this.insertPath = database.prepare(
      `INSERT OR IGNORE INTO queue_entry_paths (entry_id, target_branch, path, sequence, holding, blocked)
       SELECT @entry, @branch, @path, @sequence, @holding, @holding > 0 AND EXISTS (
         SELECT 1 FROM queue_entry_paths AS other
         WHERE other.target_branch = @branch AND other.path = @path AND other.holding > 0
           AND other.entry_id <> @entry)
       RETURNING blocked`,
    );
    this.insertDependency = database.prepare(
      'INSERT OR IGNORE INTO queue_entry_dependencies (entry_id, depends_on) VALUES (?, ?)',
    );
    this.countOpenDependencies = database.prepare(
      `SELECT COUNT(*) AS count FROM queue_entry_dependencies AS link
       JOIN queue_entries AS dependency ON dependency.id = link.depends_on
       WHERE link.entry_id = ? AND dependency.target_branch = ?
         AND dependency.state IN ('queued', 'running', 'awaiting_approval')`,
    );
    this.setBlockers = database.prepare('UPDATE queue_entries SET blockers = ? WHERE id = ?');
    this.addBlockers = database.prepare('UPDATE queue_entries SET blockers = blockers + ? WHERE id = ?');
    this.dependents = database.prepare('SELECT entry_id FROM queue_entry_dependencies WHERE depends_on = ?');
    // By id: a condition on the state alone would have SQLite walk every queued entry.
    this.addToOpenEntry = database.prepare(
      `UPDATE queue_entries SET blockers = blockers + ?
       WHERE id = ? AND target_branch = ? AND state IN ('queued', 'running', 'awaiting_approval')`,
    );
    this.ownBlockedCount = database.prepare(
      'SELECT COUNT(*) AS count FROM queue_entry_paths WHERE entry_id = ? AND blocked = 1',
    );
    this.ownPaths = database.prepare('SELECT target_branch, path FROM queue_entry_paths WHERE entry_id = ?');
    this.startRunning = database.prepare(
      `INSERT OR IGNORE INTO queue_running_paths (target_branch, path, entry_id)
       SELECT target_branch, path, entry_id FROM queue_entry_paths WHERE entry_id = ?`,
    );
    // The table holds one row per file of each running entry: a scan of it is a page or two.
    this.stopRunning = database.prepare('DELETE FROM queue_running_paths WHERE entry_id = ?');
    this.setHoldingReturningPaths = database.prepare(
      'UPDATE queue_entry_paths SET holding = ?, blocked = CASE WHEN ? = 0 THEN 0 ELSE blocked END WHERE entry_id = ? RETURNING target_branch, path',
    );
    this.firstHolders = database.prepare(
      `SELECT held.entry_id, held.path, held.blocked, ${SHOULD_BLOCK} AS should_block FROM queue_entry_paths AS held
       WHERE held.target_branch = ? AND held.path = ? AND held.holding > 0 ORDER BY held.sequence LIMIT 2`,
    );
    this.ownRow = database.prepare(
      `SELECT held.entry_id, held.path, held.blocked, ${SHOULD_BLOCK} AS should_block FROM queue_entry_paths AS held
       WHERE held.entry_id = ? AND held.path = ? AND held.holding > 0`,
    );
    this.setBlocked = database.prepare(
      'UPDATE queue_entry_paths SET blocked = ? WHERE entry_id = ? AND path = ?',
    );
  }

  /** Records the files and dependencies of a newly inserted entry and counts its blockers. */
  added(entry: {
    id: string;
    sequence: number | bigint;
    state: string;
    target_branch: string;
    paths: readonly string[];
    depends_on: readonly string[];
  }): void {
    const holding = holdingOf(entry.state);
    let blockedPaths = 0;
    for (const path of entry.paths) {
      const row = this.insertPath.get({
        entry: entry.id,
        branch: entry.target_branch,
        path,
        sequence: entry.sequence,
        holding,
      }) as { blocked: number } | undefined; // undefined: the same file listed twice
      if (row?.blocked === 1) blockedPaths += 1;
    }
    for (const dependency of entry.depends_on) this.insertDependency.run(entry.id, dependency);
    if (entry.state === 'running') this.startRunning.run(entry.id);
    if (!isUnfinished(entry.state)) return;
    const dependencies =
      entry.depends_on.length === 0
        ? 0
        : (this.countOpenDependencies.get(entry.id, entry.target_branch) as { count: number }).count;
    // The row was inserted with 0 blockers.
    if (dependencies + blockedPaths > 0) this.setBlockers.run(dependencies + blockedPaths, entry.id);
    // Entries that named this id before it existed wait for it from now on.
    this.addToDependents(1, entry.id, entry.target_branch);
  }

  /**
   * Updates the counts after entry `id` (of `targetBranch`) moved from state `from` to `to`;
   * `blockersBefore` is its count before the move.
   */
  changed(id: string, targetBranch: string, from: string, to: string, blockersBefore: number): void {
    const runningBefore = from === 'running';
    const runningAfter = to === 'running';
    if (from === 'queued' && runningAfter && blockersBefore === 0) {
      // A lease. The entry came first among the holders of each of its files and none of them
      // ran, so every other holder there is kept off already (and stays so), and it is not.
      this.startRunning.run(id);
      return;
    }
    const holdingBefore = holdingOf(from);
    const holdingAfter = holdingOf(to);
    const unfinishedBefore = isUnfinished(from);
    const unfinishedAfter = isUnfinished(to);
    if (runningBefore && !runningAfter) this.stopRunning.run(id);
    else if (!runningBefore && runningAfter) this.startRunning.run(id);
    let paths: Array<{ target_branch: string; path: string }> = [];
    if (holdingBefore !== holdingAfter) {
      if (holdingAfter === 0 && unfinishedAfter) {
        const own = (this.ownBlockedCount.get(id) as { count: number }).count;
        if (own > 0) this.addBlockers.run(-own, id);
      }
      paths = this.setHoldingReturningPaths.all(holdingAfter, holdingAfter, id) as typeof paths;
    } else if (runningBefore !== runningAfter) {
      paths = this.ownPaths.all(id) as typeof paths;
    }
    if (unfinishedBefore && !unfinishedAfter) {
      // Nothing above touched this entry's count, so `blockersBefore` is still what it holds.
      if (blockersBefore !== 0) this.setBlockers.run(0, id);
      this.addToDependents(-1, id, targetBranch);
    } else if (!unfinishedBefore && unfinishedAfter) {
      const dependencies = (this.countOpenDependencies.get(id, targetBranch) as { count: number }).count;
      this.setBlockers.run(dependencies, id);
      this.addToDependents(1, id, targetBranch);
    }
    for (const { target_branch: branch, path } of paths) this.reconcile(branch, path, id, holdingAfter > 0);
  }

  /** Adds `delta` to the blockers of the unfinished entries of `targetBranch` that depend on `id`. */
  private addToDependents(delta: number, id: string, targetBranch: string): void {
    for (const { entry_id: dependent } of this.dependents.all(id) as Array<{ entry_id: string }>) {
      this.addToOpenEntry.run(delta, dependent, targetBranch);
    }
  }

  /** Recomputes whether `path` keeps its first two holders, and entry `id` when `holding` it, off it. */
  private reconcile(targetBranch: string, path: string, id: string, holding: boolean): void {
    const rows = this.firstHolders.all(targetBranch, path) as PathRow[];
    if (holding && !rows.some((row) => row.entry_id === id)) {
      const own = this.ownRow.get(id, path) as PathRow | undefined;
      if (own !== undefined) rows.push(own);
    }
    for (const row of rows) {
      if (row.should_block === row.blocked) continue;
      this.setBlocked.run(row.should_block, row.entry_id, row.path);
      this.addBlockers.run(row.should_block - row.blocked, row.entry_id);
    }
  }
}
