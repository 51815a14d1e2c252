import {
  HYPERION_TRAILER_KEYS,
  parseHyperionTrailers,
  provesLanding,
  type LandingProof,
} from './hyperion-trailers.js';
import { readCommitFields, type CommitFields } from './object-reads.js';
import { runGit } from './run-git.js';

/** How many new first-parent commits an index follows in-process before it is rebuilt by `git log`. */
const MAXIMUM_INCREMENTAL_WALK = 64;
const SHA = /^[0-9a-f]{40}$/;

/** The landing proofs on the first-parent history of one tip. */
interface IndexedHistory {
  /** The tip the index describes. */
  tip: string;
  /** `<change id>\0<patch id>` → the newest first-parent commit carrying that exact block. */
  proofs: Map<string, string>;
}

function keyOf(change: string, patch: string): string {
  return `${change}\0${patch}`;
}

/**
 * An in-memory index of the Hyperion landing proofs on the first-parent history of a ref, kept
 * per ref and brought up to date when the tip moves: the new commits down to the indexed tip are
 * read in-process (isomorphic-git, no spawn — one commit per landing in steady state). A tip the
 * old one is not a first-parent ancestor of within {@link MAXIMUM_INCREMENTAL_WALK} commits (a
 * rewritten branch, a long absence) rebuilds the index with one `git log --grep` over the whole
 * first-parent history. Commits are immutable, so the index only ever caches facts; every lookup
 * reads the tip first. Concurrent lookups on one ref are served one at a time.
 */
export class LandingProofIndex {
  private readonly gitDirectory: string;
  private readonly histories = new Map<string, IndexedHistory>();
  private readonly turns = new Map<string, Promise<unknown>>();

  /** An empty index of the repository whose common git directory is `gitDirectory`. */
  constructor(gitDirectory: string) {
    this.gitDirectory = gitDirectory;
  }

  /**
   * The newest first-parent commit from `tip` (the current value of `ref`) whose message ends with
   * Hyperion's exact trailer block for `proof` (see `provesLanding`), or undefined. The commit found
   * is read again and checked before it is returned.
   */
  async find(ref: string, tip: string, proof: LandingProof): Promise<string | undefined> {
    const history = await this.inTurn(ref, () => this.historyAt(ref, tip));
    const commit = history.proofs.get(keyOf(proof.changeId, proof.patchHash));
    if (commit === undefined) return undefined;
    const read = await readCommitFields(this.gitDirectory, commit);
    return provesLanding(read.message, proof) ? commit : undefined;
  }

  /** Runs `work` after the previous work on `ref` has ended. */
  private inTurn<T>(ref: string, work: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(ref) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.turns.set(ref, settled);
    void settled.then(() => {
      if (this.turns.get(ref) === settled) this.turns.delete(ref);
    });
    return next;
  }

  private async historyAt(ref: string, tip: string): Promise<IndexedHistory> {
    const known = this.histories.get(ref);
    if (known?.tip === tip) return known;
    const updated =
      (known === undefined ? undefined : await this.followed(known, tip)) ?? (await this.rebuilt(tip));
    this.histories.set(ref, updated);
    return updated;
  }

  /** `known` brought forward to `tip` by reading the new commits in-process, or undefined when `tip` does not descend from it closely. */
  private async followed(known: IndexedHistory, tip: string): Promise<IndexedHistory | undefined> {
    const cache = {};
    const newest: Array<{ commit: string; message: string }> = [];
    let oid: string | undefined = tip;
    while (oid !== known.tip) {
      if (oid === undefined || newest.length >= MAXIMUM_INCREMENTAL_WALK) return undefined;
      // A commit that cannot be read here (a shallow history, a pack isomorphic-git cannot read)
      // leaves the walk to git.
      const read: CommitFields | undefined = await readCommitFields(this.gitDirectory, oid, cache).catch(
        () => undefined,
      );
      if (read === undefined) return undefined;
      newest.push({ commit: oid, message: read.message });
      oid = read.parents[0];
    }
    // Oldest first, so a newer commit carrying the same block wins.
    for (const { commit, message } of newest.reverse()) {
      const trailers = parseHyperionTrailers(message);
      if (trailers !== undefined) known.proofs.set(keyOf(trailers.change, trailers.patch), commit);
    }
    known.tip = tip;
    return known;
  }

  /** The index of `tip` from scratch: git's own `--grep` narrows the walk to commits naming a change. */
  private async rebuilt(tip: string): Promise<IndexedHistory> {
    const result = await runGit(
      [
        'log',
        '-z',
        '--first-parent',
        '--fixed-strings',
        `--grep=${HYPERION_TRAILER_KEYS.change}: `,
        '--format=%H%n%B',
        tip,
        '--',
      ],
      { cwd: this.gitDirectory },
    );
    const proofs = new Map<string, string>();
    for (const record of result.stdout.split('\0')) {
      const newline = record.indexOf('\n');
      const commit = record.slice(0, newline);
      if (newline === -1 || !SHA.test(commit)) continue;
      const trailers = parseHyperionTrailers(record.slice(newline + 1));
      if (trailers === undefined) continue;
      // Newest first: the first commit seen for a block is the newest one.
      const key = keyOf(trailers.change, trailers.patch);
      if (!proofs.has(key)) proofs.set(key, commit);
    }
    return { tip, proofs };
  }
}
