/** A pane's outer size. */
export interface PaneSize {
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

/** Where each pane goes: `wide` puts two panes side by side, `narrow` stacks all five. */
export interface DashboardLayout {
  /** The arrangement chosen for the terminal's width. */
  mode: 'wide' | 'narrow';
  /** Queue pane size. */
  queue: PaneSize;
  /** Workers pane size. */
  workers: PaneSize;
  /** Requests pane size. */
  requests: PaneSize;
  /** Metrics pane size. */
  metrics: PaneSize;
  /** Alerts and guidance pane size. */
  alerts: PaneSize;
}

/** Below this width the panes are stacked instead of paired. */
export const WIDE_LAYOUT_MIN_COLUMNS = 100;
/** The metrics pane shows five lines, plus title and border. */
const METRICS_ROWS = 8;
/** Header and footer lines. */
const CHROME_ROWS = 2;
/** The smallest useful pane: border, title and one line. */
const MINIMUM_PANE_ROWS = 4;

/** Sizes every pane so the whole dashboard fits `width` × `height` of the terminal. */
export function computeLayout(width: number, height: number): DashboardLayout {
  const columns = Math.max(20, width);
  const body = Math.max(MINIMUM_PANE_ROWS * 3, height - CHROME_ROWS);
  if (columns >= WIDE_LAYOUT_MIN_COLUMNS) {
    const left = Math.floor(columns * 0.6);
    const right = columns - left;
    const top = Math.max(MINIMUM_PANE_ROWS, Math.floor(body * 0.4));
    const middle = Math.max(METRICS_ROWS, Math.floor(body * 0.32));
    const bottom = Math.max(MINIMUM_PANE_ROWS, body - top - middle);
    return {
      mode: 'wide',
      queue: { width: left, height: top },
      workers: { width: right, height: top },
      requests: { width: left, height: middle },
      metrics: { width: right, height: middle },
      alerts: { width: columns, height: bottom },
    };
  }
  const share = Math.max(MINIMUM_PANE_ROWS, Math.floor((body - METRICS_ROWS) / 4));
  const full = (rows: number): PaneSize => ({ width: columns, height: rows });
  return {
    mode: 'narrow',
    queue: full(Math.max(MINIMUM_PANE_ROWS, body - METRICS_ROWS - share * 3)),
    workers: full(share),
    requests: full(share),
    metrics: full(METRICS_ROWS),
    alerts: full(share),
  };
}
