import type Database from 'better-sqlite3';
import type {
  BuildTurnLine,
  BuildTurnState,
  BuildTurnTicket,
  NewCandidate,
  StoredCandidate,
} from './speculation-interface.js';

/** The SQL of migration 7: the candidates in flight and the build-turn tickets. */
export const SPECULATION_TABLES_SQL = `
  CREATE TABLE speculation_candidates (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    target_branch TEXT NOT NULL,
    commit_id TEXT NOT NULL,
    parent TEXT NOT NULL,
    entry_ids TEXT NOT NULL,
    owner TEXT NOT NULL,
    location TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (target_branch, commit_id)
  );
  CREATE TABLE speculation_turns (
    ticket INTEGER PRIMARY KEY AUTOINCREMENT,
    target_branch TEXT NOT NULL,
    location TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX speculation_turns_by_line ON speculation_turns(target_branch, location, ticket);
`;

/** The SQL of migration 9: the candidates' `atRisk` flag. */
export const SPECULATION_AT_RISK_SQL = `
  ALTER TABLE speculation_candidates ADD COLUMN at_risk INTEGER NOT NULL DEFAULT 0;
`;

interface CandidateRow {
  target_branch: string;
  commit_id: string;
  parent: string;
  entry_ids: string;
  owner: string;
  location: string;
  at_risk: number;
  expires_at: number;
}

/**
 * The speculation operations of the SQLite store, synchronous, on one connection: each is one
 * transaction of two or three prepared statements (see `SpeculationStore`).
 */
export class SqliteSpeculation {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly database: Database.Database,
    private readonly clock: () => number,
  ) {}

  /** `SpeculationStore.publishCandidate`. */
  publishCandidate(candidate: NewCandidate, ttlMs: number): void {
    const now = this.clock();
    this.database
      .transaction(() => {
        this.statement(
          'DELETE FROM speculation_candidates WHERE target_branch = ? AND (expires_at <= ? OR commit_id = ?)',
        ).run(candidate.targetBranch, now, candidate.commit);
        this.statement(
          `INSERT INTO speculation_candidates (target_branch, commit_id, parent, entry_ids, owner, location, at_risk, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          candidate.targetBranch,
          candidate.commit,
          candidate.parent,
          JSON.stringify(candidate.entryIds),
          candidate.owner,
          candidate.location,
          candidate.atRisk === true ? 1 : 0,
          now + ttlMs,
        );
      })
      .immediate();
  }

  /** `SpeculationStore.withdrawCandidate`. */
  withdrawCandidate(targetBranch: string, commit: string): boolean {
    return (
      this.statement('DELETE FROM speculation_candidates WHERE target_branch = ? AND commit_id = ?').run(
        targetBranch,
        commit,
      ).changes > 0
    );
  }

  /** `SpeculationStore.renewCandidates`. */
  renewCandidates(targetBranch: string, commits: readonly string[], ttlMs: number): number {
    if (commits.length === 0) return 0;
    const now = this.clock();
    const renew = this.statement(
      'UPDATE speculation_candidates SET expires_at = ? WHERE target_branch = ? AND commit_id = ? AND expires_at > ?',
    );
    return this.database
      .transaction(() =>
        commits.reduce(
          (renewed, commit) => renewed + renew.run(now + ttlMs, targetBranch, commit, now).changes,
          0,
        ),
      )
      .immediate();
  }

  /** `SpeculationStore.listCandidates`. */
  listCandidates(targetBranch: string): StoredCandidate[] {
    const rows = this.statement(
      'SELECT * FROM speculation_candidates WHERE target_branch = ? AND expires_at > ? ORDER BY sequence',
    ).all(targetBranch, this.clock()) as CandidateRow[];
    return rows.map((row) => ({
      targetBranch: row.target_branch,
      commit: row.commit_id,
      parent: row.parent,
      entryIds: JSON.parse(row.entry_ids) as string[],
      owner: row.owner,
      location: row.location,
      atRisk: row.at_risk === 1,
      expiresAt: row.expires_at,
    }));
  }

  /** `SpeculationStore.enterBuildTurn`. */
  enterBuildTurn(line: BuildTurnLine, owner: string, ttlMs: number): BuildTurnTicket {
    const now = this.clock();
    return this.database
      .transaction(() => {
        this.statement(
          'DELETE FROM speculation_turns WHERE target_branch = ? AND location = ? AND expires_at <= ?',
        ).run(line.targetBranch, line.location, now);
        const ticket = Number(
          this.statement(
            'INSERT INTO speculation_turns (target_branch, location, owner, expires_at) VALUES (?, ?, ?, ?)',
          ).run(line.targetBranch, line.location, owner, now + ttlMs).lastInsertRowid,
        );
        return { ticket, granted: this.firstLiveTicket(line, now) === ticket };
      })
      .immediate();
  }

  /** `SpeculationStore.checkBuildTurn`. */
  checkBuildTurn(line: BuildTurnLine, ticket: number, ttlMs: number): BuildTurnState {
    const now = this.clock();
    return this.database
      .transaction((): BuildTurnState => {
        const renewed = this.statement(
          'UPDATE speculation_turns SET expires_at = ? WHERE ticket = ? AND target_branch = ? AND location = ? AND expires_at > ?',
        ).run(now + ttlMs, ticket, line.targetBranch, line.location, now).changes;
        if (renewed === 0) return 'lost';
        return this.firstLiveTicket(line, now) === ticket ? 'granted' : 'waiting';
      })
      .immediate();
  }

  /** `SpeculationStore.leaveBuildTurn`. */
  leaveBuildTurn(line: BuildTurnLine, ticket: number): void {
    this.statement(
      'DELETE FROM speculation_turns WHERE ticket = ? AND target_branch = ? AND location = ?',
    ).run(ticket, line.targetBranch, line.location);
  }

  private firstLiveTicket(line: BuildTurnLine, now: number): number | undefined {
    const first = this.statement(
      'SELECT min(ticket) AS ticket FROM speculation_turns WHERE target_branch = ? AND location = ? AND expires_at > ?',
    ).get(line.targetBranch, line.location, now) as { ticket: number | null };
    return first.ticket ?? undefined;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
