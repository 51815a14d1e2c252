import type {
  BuildTurnLine,
  BuildTurnState,
  BuildTurnTicket,
  NewCandidate,
  SpeculationStore,
  StoredCandidate,
} from '@hyperion/store';
import type { ChangeListener } from './change-listener.js';
import type { Session } from './session.js';

/** The channel candidates and build turns are announced on (`NOTIFY hyperion_speculation`). */
export const SPECULATION_CHANNEL = 'hyperion_speculation';

/** The SQL of migration 2: the candidates in flight and the build-turn tickets. */
export const SPECULATION_TABLES_SQL = `
  CREATE TABLE speculation_candidates (
    sequence BIGSERIAL PRIMARY KEY,
    target_branch TEXT NOT NULL,
    commit_id TEXT NOT NULL,
    parent TEXT NOT NULL,
    entry_ids TEXT NOT NULL,
    owner TEXT NOT NULL,
    location TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (target_branch, commit_id)
  );
  CREATE TABLE speculation_turns (
    ticket BIGSERIAL PRIMARY KEY,
    target_branch TEXT NOT NULL,
    location TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX speculation_turns_by_line ON speculation_turns (target_branch, location, ticket);
`;

/** The SQL of migration 4: the candidates' `atRisk` flag. */
export const SPECULATION_AT_RISK_SQL = `
  ALTER TABLE speculation_candidates ADD COLUMN at_risk BOOLEAN NOT NULL DEFAULT FALSE;
`;

/** `pg_notify` on the speculation channel, for the end of a write statement. */
const NOTIFY = `pg_notify('${SPECULATION_CHANNEL}', '')`;

/**
 * The transaction-level advisory lock of one build-turn line, taken before a ticket is drawn or
 * checked: ticket numbers are then handed out in commit order, so no check misses an earlier
 * ticket still being written.
 */
const LOCK_LINE = "SELECT pg_advisory_xact_lock(hashtextextended($1 || E'\\n' || $2, 1213812818))";

interface CandidateRow {
  target_branch: string;
  commit_id: string;
  parent: string;
  entry_ids: string;
  owner: string;
  location: string;
  at_risk: boolean;
  expires_at: number;
}

/**
 * The speculation operations of the PostgreSQL store: candidates are one statement each (with its
 * `pg_notify`), a build-turn ticket is drawn or checked in one short transaction under the
 * line's advisory lock. Waiters listen on `hyperion_speculation`.
 */
export class SpeculationOperations implements SpeculationStore {
  constructor(
    private readonly session: Session,
    private readonly clock: () => number,
    private readonly listener: ChangeListener,
  ) {}

  /** Publishes (or replaces) a candidate and removes the branch's expired ones. */
  async publishCandidate(candidate: NewCandidate, ttlMs: number): Promise<void> {
    const now = this.clock();
    await this.session.query(
      `WITH expired AS (
         DELETE FROM speculation_candidates WHERE target_branch = $1 AND expires_at <= $8 AND commit_id <> $2
       ), published AS (
         INSERT INTO speculation_candidates (target_branch, commit_id, parent, entry_ids, owner, location, expires_at, at_risk)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $9)
         ON CONFLICT (target_branch, commit_id) DO UPDATE SET parent = EXCLUDED.parent,
           entry_ids = EXCLUDED.entry_ids, owner = EXCLUDED.owner, location = EXCLUDED.location,
           at_risk = EXCLUDED.at_risk,
           expires_at = EXCLUDED.expires_at, sequence = DEFAULT
         RETURNING 1
       )
       SELECT ${NOTIFY} FROM published`,
      [
        candidate.targetBranch,
        candidate.commit,
        candidate.parent,
        JSON.stringify(candidate.entryIds),
        candidate.owner,
        candidate.location,
        now + ttlMs,
        now,
        candidate.atRisk === true,
      ],
    );
  }

  /** Removes a candidate; true when there was one. */
  async withdrawCandidate(targetBranch: string, commit: string): Promise<boolean> {
    const [row] = await this.session.query<{ removed: number }>(
      `WITH gone AS (
         DELETE FROM speculation_candidates WHERE target_branch = $1 AND commit_id = $2 RETURNING 1
       )
       SELECT count(*)::int AS removed, CASE WHEN count(*) > 0 THEN ${NOTIFY} END AS notified FROM gone`,
      [targetBranch, commit],
    );
    return (row?.removed ?? 0) > 0;
  }

  /** Extends the still-live candidates named; returns how many. */
  async renewCandidates(targetBranch: string, commits: readonly string[], ttlMs: number): Promise<number> {
    if (commits.length === 0) return 0;
    const now = this.clock();
    const rows = await this.session.query(
      `UPDATE speculation_candidates SET expires_at = $1
         WHERE target_branch = $2 AND commit_id = ANY($3) AND expires_at > $4 RETURNING 1`,
      [now + ttlMs, targetBranch, [...commits], now],
    );
    return rows.length;
  }

  /** The live candidates of the branch, oldest publication first. */
  async listCandidates(targetBranch: string): Promise<StoredCandidate[]> {
    const before = this.listener.count;
    const rows = await this.session.query<CandidateRow>(
      'SELECT * FROM speculation_candidates WHERE target_branch = $1 AND expires_at > $2 ORDER BY sequence',
      [targetBranch, this.clock()],
    );
    // A caller may wait for a change next: a notification from now on wakes it.
    this.listener.noteIdleRead(before);
    return rows.map((row) => ({
      targetBranch: row.target_branch,
      commit: row.commit_id,
      parent: row.parent,
      entryIds: JSON.parse(row.entry_ids) as string[],
      owner: row.owner,
      location: row.location,
      atRisk: row.at_risk === true,
      expiresAt: Number(row.expires_at),
    }));
  }

  /** Draws a ticket at the end of the line (after removing its expired tickets). */
  async enterBuildTurn(line: BuildTurnLine, owner: string, ttlMs: number): Promise<BuildTurnTicket> {
    const before = this.listener.count;
    const now = this.clock();
    const result = await this.session.atomically(async (session) => {
      await session.query(LOCK_LINE, [line.targetBranch, line.location]);
      const [row] = await session.query<{ ticket: number; first: number | null }>(
        `WITH expired AS (
           DELETE FROM speculation_turns WHERE target_branch = $1 AND location = $2 AND expires_at <= $3
         ), mine AS (
           INSERT INTO speculation_turns (target_branch, location, owner, expires_at) VALUES ($1, $2, $4, $5)
           RETURNING ticket
         )
         SELECT mine.ticket, (SELECT min(ticket) FROM speculation_turns
             WHERE target_branch = $1 AND location = $2 AND expires_at > $3) AS first
           FROM mine`,
        [line.targetBranch, line.location, now, owner, now + ttlMs],
      );
      const ticket = Number(row!.ticket);
      // The statement's snapshot does not hold its own insert: only older tickets count.
      return { ticket, granted: row!.first === null || Number(row!.first) > ticket };
    });
    if (!result.granted) this.listener.noteIdleRead(before);
    return result;
  }

  /** Renews the ticket and says whether it is its turn. */
  async checkBuildTurn(line: BuildTurnLine, ticket: number, ttlMs: number): Promise<BuildTurnState> {
    const before = this.listener.count;
    const now = this.clock();
    const state = await this.session.atomically(async (session): Promise<BuildTurnState> => {
      await session.query(LOCK_LINE, [line.targetBranch, line.location]);
      const [row] = await session.query<{ renewed: number; first: number | null }>(
        `WITH renewed AS (
           UPDATE speculation_turns SET expires_at = $4
             WHERE ticket = $3 AND target_branch = $1 AND location = $2 AND expires_at > $5 RETURNING 1
         )
         SELECT (SELECT count(*)::int FROM renewed) AS renewed, (SELECT min(ticket) FROM speculation_turns
             WHERE target_branch = $1 AND location = $2 AND expires_at > $5) AS first`,
        [line.targetBranch, line.location, ticket, now + ttlMs, now],
      );
      if ((row?.renewed ?? 0) === 0) return 'lost';
      return row!.first !== null && Number(row!.first) === ticket ? 'granted' : 'waiting';
    });
    if (state === 'waiting') this.listener.noteIdleRead(before);
    return state;
  }

  /** Gives the ticket up and wakes the line. */
  async leaveBuildTurn(line: BuildTurnLine, ticket: number): Promise<void> {
    await this.session.query(
      `WITH gone AS (
         DELETE FROM speculation_turns WHERE ticket = $1 AND target_branch = $2 AND location = $3 RETURNING 1
       )
       SELECT CASE WHEN count(*) > 0 THEN ${NOTIFY} END AS notified FROM gone`,
      [ticket, line.targetBranch, line.location],
    );
  }

  /** Waits on `hyperion_speculation` (see `ChangeListener`). */
  waitForSpeculationChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.listener.wait(timeoutMs, signal);
  }
}
