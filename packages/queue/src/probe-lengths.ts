/**
 * The prefix lengths a bisection round probes at once, ascending, between `green` (the longest
 * prefix known green) and `red` (the shortest known red): the middle alone with one probe at a
 * time; otherwise up to `concurrency` cuts that split the range evenly (each length at most once),
 * so a round of two probes leaves a third of the range where one leaves a half.
 */
export function probeLengths(green: number, red: number, concurrency: number): number[] {
  const span = red - green;
  const cuts = Math.min(Math.max(1, concurrency), span - 1);
  if (cuts <= 1) return [Math.floor((green + red) / 2)];
  const lengths = new Set<number>();
  for (let cut = 1; cut <= cuts; cut += 1) lengths.add(green + Math.round((cut * span) / (cuts + 1)));
  return [...lengths].filter((length) => length > green && length < red).sort((left, right) => left - right);
}
