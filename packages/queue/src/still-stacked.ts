import type { SpeculationBoard } from './speculation.js';

/** How many times {@link standingOf} reads the board while the tip moves under it. */
const STACK_READS = 4;

/**
 * Where a candidate built on `base` stands ({@link standingOf}): `free` — the board's stack from
 * the tip still leads to `base`, nothing on the way is at risk, and a check slot is free; `full` —
 * the same, but every check slot is taken; `doomed` — `base` (or a candidate below it) turned red,
 * or was withdrawn without landing, so a check of the candidate would be thrown away; `moving` —
 * the tip kept moving while it was read, nothing is known.
 */
export type CandidateStanding = 'free' | 'full' | 'doomed' | 'moving';

/**
 * Where a candidate built on `base` (the tip, or another candidate) stands now; see
 * {@link CandidateStanding}. `maxInFlight` is the number of check slots.
 *
 * A base lands first and is withdrawn after, so a landing between the read of the tip and the
 * read of the board makes the board miss a base that the tip does not hold yet: `doomed` is said
 * only when the tip read again after the board is the same.
 *
 * @param readTip - The target branch's tip as this process knows it.
 * @param ids - The candidate's own entries (never a base of itself).
 */
export async function standingOf(
  board: SpeculationBoard,
  readTip: () => Promise<string>,
  base: string,
  ids: readonly string[],
  maxInFlight: number,
): Promise<CandidateStanding> {
  let tip = await readTip();
  for (let read = 0; read < STACK_READS; read += 1) {
    const choice = await board.speculativeBase(tip, ids, maxInFlight);
    if (choice.base === base) return choice.wait === undefined ? 'free' : 'full';
    const again = await readTip();
    if (again === tip) return 'doomed';
    tip = again;
  }
  return 'moving';
}

/**
 * True while a candidate built on `base` still stands on it ({@link standingOf} is not
 * `doomed`): when the tip keeps moving the answer is true (not known to be doomed: the landing's
 * compare-and-swap decides).
 */
export async function isStillStacked(
  board: SpeculationBoard,
  readTip: () => Promise<string>,
  base: string,
  ids: readonly string[],
): Promise<boolean> {
  return (await standingOf(board, readTip, base, ids, Number.MAX_SAFE_INTEGER)) !== 'doomed';
}
