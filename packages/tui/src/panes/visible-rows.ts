/** The items that fit in `rows`, and how many were left out (one row then says so). */
export function visibleRows<T>(items: readonly T[], rows: number): { shown: readonly T[]; hidden: number } {
  if (items.length <= rows) return { shown: items, hidden: 0 };
  const shown = items.slice(0, Math.max(0, rows - 1));
  return { shown, hidden: items.length - shown.length };
}
