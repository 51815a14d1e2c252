/**
 * A candidate commit as the store keeps it: built by some worker process and being checked, not
 * yet landed. Every process on the store sees it, so a worker of another process can build its own
 * candidate on top of it (speculative stacking across processes).
 */
export interface StoredCandidate {
  /** The branch the candidate will land on. */
  targetBranch: string;
  /** The candidate commit (the head of its chain of commits: one entry, or a batch). */
  commit: string;
  /** The commit it was built on: the branch tip, or another candidate. */
  parent: string;
  /** The entries whose commits it carries, in landing order. */
  entryIds: string[];
  /** The worker that built it. */
  owner: string;
  /**
   * Which git object database holds the commit (an id of the repository the worker built in; all
   * worktrees of one repository share it). Only workers of the same object database can build on
   * the commit; for the others it is someone else's candidate they cannot see.
   */
  location: string;
  /**
   * True while its verdict is likely red (its check just came out red, or it is a bisection's
   * probe): workers do not build on it. Absent means false (a store that predates the flag).
   */
  atRisk?: boolean;
  /** When it expires unless renewed, store clock epoch milliseconds. */
  expiresAt: number;
}

/** A candidate to publish: {@link StoredCandidate} without its expiry (the store sets it). */
export type NewCandidate = Omit<StoredCandidate, 'expiresAt'>;

/**
 * One line of build turns: the workers that build candidates for `targetBranch` in the object
 * database `location` take their turns in it, first come first served.
 */
export interface BuildTurnLine {
  /** The branch the candidates will land on. */
  targetBranch: string;
  /** The object database they are built in (see {@link StoredCandidate.location}). */
  location: string;
}

/** A place in a {@link BuildTurnLine}. */
export interface BuildTurnTicket {
  /** The ticket's number: tickets are served in increasing order. */
  ticket: number;
  /** True when it is this ticket's turn now. */
  granted: boolean;
}

/**
 * Where a ticket of {@link SpeculationStore.checkBuildTurn} stands: `granted` (its turn),
 * `waiting` (live tickets are ahead of it) or `lost` (it expired: the holder was too slow to renew
 * it, and must take a new ticket at the end of the line).
 */
export type BuildTurnState = 'granted' | 'waiting' | 'lost';

/**
 * Speculation shared by every worker process on one store: the candidates in flight and a build
 * turn per line. Every entry in the store expires unless its holder renews it, so a worker that is
 * killed (SIGKILL, a lost machine) never leaves a candidate others wait on, nor a turn that blocks
 * the line, for longer than its time to live. Writes wake the waiters of
 * {@link SpeculationStore.waitForSpeculationChange} in every process.
 *
 * Each call is one short transaction of a few statements.
 */
export interface SpeculationStore {
  /**
   * Publishes a candidate (replacing one with the same branch and commit, its `atRisk` flag too:
   * republishing is how a candidate is marked at risk) that expires `ttlMs`
   * from now unless renewed, and removes the expired candidates of the branch.
   */
  publishCandidate(candidate: NewCandidate, ttlMs: number): Promise<void>;
  /** Removes a candidate; true when there was one. */
  withdrawCandidate(targetBranch: string, commit: string): Promise<boolean>;
  /**
   * Extends the given candidates of the branch that are still live to `ttlMs` from now; returns
   * how many were renewed (an expired one is gone for good: its owner publishes it again).
   */
  renewCandidates(targetBranch: string, commits: readonly string[], ttlMs: number): Promise<number>;
  /** The live (unexpired) candidates of the branch, oldest publication first. */
  listCandidates(targetBranch: string): Promise<StoredCandidate[]>;
  /**
   * Takes a ticket at the end of `line` for `owner`, expiring `ttlMs` from now unless renewed (by
   * {@link SpeculationStore.checkBuildTurn} while waiting or holding it), after removing the
   * line's expired tickets. `granted` when no live ticket is ahead of it.
   */
  enterBuildTurn(line: BuildTurnLine, owner: string, ttlMs: number): Promise<BuildTurnTicket>;
  /**
   * Renews `ticket` to `ttlMs` from now and says whether it is its turn: `granted` when no live
   * ticket of the line is ahead of it, `waiting` otherwise, `lost` when the ticket expired.
   */
  checkBuildTurn(line: BuildTurnLine, ticket: number, ttlMs: number): Promise<BuildTurnState>;
  /** Gives the ticket up (its turn ended, or its holder stopped waiting); harmless twice. */
  leaveBuildTurn(line: BuildTurnLine, ticket: number): Promise<void>;
  /**
   * Resolves when a candidate or a build turn may have changed (in this process or another) since
   * the caller's last speculation read, after `timeoutMs` at the latest, or at once when `signal`
   * aborts. SQLite: its change counter (`data_version`); PostgreSQL: `LISTEN/NOTIFY`. It may
   * return early; it never misses a change made after the caller's read.
   */
  waitForSpeculationChange(timeoutMs: number, signal?: AbortSignal): Promise<void>;
}
