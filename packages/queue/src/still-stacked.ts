import type { SpeculationBoard } from './speculation.js';

/** How many times {@link isStillStacked} reads the board while the tip moves under it. */
const STACK_READS = 4;

/**
 * True while a candidate built on `base` (a speculative base: another candidate, not the tip)
 * still stands on it: the board's stack from the tip leads to `base` and nothing on the way is at
 * risk. False once `base` (or a candidate below it) turned red, or was withdrawn without landing:
 * a check of the candidate would be thrown away.
 *
 * A base lands first and is withdrawn after, so a landing between the read of the tip and the
 * read of the board makes the board miss a base that the tip does not hold yet: the answer is
 * false only when the tip read again after the board is the same. When the tip keeps moving the
 * answer is true (not known to be doomed: the landing's compare-and-swap decides).
 *
 * @param readTip - The target branch's tip as this process knows it.
 * @param ids - The candidate's own entries (never a base of itself).
 */
export async function isStillStacked(
  board: SpeculationBoard,
  readTip: () => Promise<string>,
  base: string,
  ids: readonly string[],
): Promise<boolean> {
  let tip = await readTip();
  for (let read = 0; read < STACK_READS; read += 1) {
    const choice = await board.speculativeBase(tip, ids, Number.MAX_SAFE_INTEGER);
    if (choice.wait === undefined && choice.base === base) return true;
    const again = await readTip();
    if (again === tip) return false;
    tip = again;
  }
  return true;
}
