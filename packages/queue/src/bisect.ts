/** Where a red batch breaks: the longest green prefix and the entry that turns it red. */
export interface BisectionResult {
  /** How many leading entries form the longest prefix known green (0: none). */
  greenPrefix: number;
  /** Index (0-based) of the culprit: the first entry whose prefix is red. */
  culprit: number;
  /** How many prefixes were checked. */
  runs: number;
}

/**
 * Binary search for the first red prefix of a chain of `size` commits whose whole chain is red
 * and whose base (the empty prefix) is green: `probe(j)` checks the prefix of the first `j`
 * commits and resolves true when it is green. Takes at most ceil(log2(size)) probes. The culprit
 * is the entry that turns the longest green prefix red — with several breaking entries the first
 * one, so the others are found when the rest is checked again.
 */
export async function findFirstRedPrefix(
  size: number,
  probe: (prefix: number) => Promise<boolean>,
): Promise<BisectionResult> {
  let green = 0;
  let red = size;
  let runs = 0;
  while (red - green > 1) {
    const middle = Math.floor((green + red) / 2);
    runs += 1;
    if (await probe(middle)) green = middle;
    else red = middle;
  }
  return { greenPrefix: green, culprit: red - 1, runs };
}
