/** A commit a worker has built and is checking, not yet landed. */
interface Candidate {
  entryId: string;
  commit: string;
  parent: string;
}

/**
 * Speculative stacking (after Zuul's dependent pipelines): a worker may build its candidate on
 * top of another worker's candidate instead of on the branch tip, so both check in parallel. It
 * lands only when the branch tip equals the commit it was built on — the compare-and-swap makes
 * that exact — so a predecessor that fails costs a rebuild, never a broken branch.
 * The board is shared by the workers of one process.
 *
 * Choosing a base and publishing the candidate built on it is one turn, taken in arrival order
 * ({@link takeBuildTurn}): two workers never build on the same base at once, so the candidates
 * form one chain and land in the order they were started. Without turns, a slow build (a large
 * patch) started on the same base as a fast one lost the landing race to it again and again.
 */
export class SpeculationBoard {
  private readonly candidates = new Map<string, Candidate>();
  private buildTurns: Promise<void> = Promise.resolve();

  /**
   * Waits for this worker's turn to choose a base and build on it; call the returned function
   * once the candidate is published (or the build ended without one). Turns are first come,
   * first served; releasing twice is harmless.
   */
  async takeBuildTurn(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.buildTurns;
    this.buildTurns = previous.then(() => turn);
    await previous;
    return release;
  }

  /** Announces an entry's candidate commit, built on `parent`. */
  publish(entryId: string, commit: string, parent: string): void {
    this.candidates.set(commit, { entryId, commit, parent });
  }

  /** Removes a candidate commit (it landed, failed or is being rebuilt). */
  withdraw(commit: string): void {
    this.candidates.delete(commit);
  }

  /** True while some in-flight candidate is this commit. */
  isCandidate(commit: string): boolean {
    for (const candidate of this.candidates.values()) if (candidate.commit === commit) return true;
    return false;
  }

  /**
   * The head of the chain of candidates built on `tip` (or `tip` when there is none), stopping
   * before any candidate of `entryId` itself: an entry never stacks on its own earlier attempt.
   */
  baseFor(tip: string, entryId: string): string {
    let base = tip;
    for (let depth = 0; depth <= this.candidates.size; depth += 1) {
      const next = [...this.candidates.values()].find(
        (candidate) => candidate.parent === base && candidate.entryId !== entryId,
      );
      if (next === undefined) return base;
      base = next.commit;
    }
    return base;
  }
}
