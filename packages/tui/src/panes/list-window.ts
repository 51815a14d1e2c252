/** The slice of a list a pane of `rows` rows shows so that `selected` stays visible. */
export interface ListWindow {
  /** First index shown. */
  start: number;
  /** One past the last index shown. */
  end: number;
}

/**
 * Which items of `total` to render in `rows` rows: the selection stays on screen, kept near the
 * middle while scrolling. Only these items are rendered, however long the list.
 */
export function listWindow(total: number, selected: number, rows: number): ListWindow {
  if (rows <= 0 || total === 0) return { start: 0, end: 0 };
  if (total <= rows) return { start: 0, end: total };
  const clamped = Math.min(Math.max(0, selected), total - 1);
  const start = Math.min(Math.max(0, clamped - Math.floor(rows / 2)), total - rows);
  return { start, end: start + rows };
}

/** `3–8/200`: the shown range of a list, or undefined when everything fits. */
export function windowPosition(window: ListWindow, total: number): string | undefined {
  if (window.end - window.start >= total) return undefined;
  return `${window.start + 1}–${window.end}/${total}`;
}
