/** A pane's outer size: its title line plus `rows` lines of content. */
export interface PaneSize {
  /** Columns. */
  width: number;
  /** Content rows (the title line is extra). */
  rows: number;
}

/**
 * Where each pane goes, top to bottom: the header; the queue; workers beside agents; the task
 * history; metrics beside alerts; guidance; the footer (help line, prompts). Every pane is a
 * title line and its rows — no borders, so an 80×24 terminal still shows rows in every pane.
 */
export interface DashboardLayout {
  /** Total columns used. */
  width: number;
  /** Queue pane. */
  queue: PaneSize;
  /** Workers pane (left of agents). */
  workers: PaneSize;
  /** Agents pane (right of workers). */
  agents: PaneSize;
  /** Task history pane. */
  history: PaneSize;
  /** Metrics pane (left of alerts). */
  metrics: PaneSize;
  /** Alerts pane (right of metrics). */
  alerts: PaneSize;
  /** Guidance pane. */
  guidance: PaneSize;
}

/** Header and footer lines. */
export const CHROME_ROWS = 2;
/** One title line for each of the five bands (queue, workers+agents, history, metrics+alerts, guidance). */
const TITLE_ROWS = 5;
/** The metrics pane's lines. */
export const METRICS_ROWS = 4;

interface Band {
  /** Rows it gets before any extra. */
  minimum: number;
  /** Share of the rows left over. */
  weight: number;
}

/** Bands in the order they give rows up when the terminal is too short for the minimums. */
const BANDS = {
  queue: { minimum: 3, weight: 5 },
  pair: { minimum: 2, weight: 2 },
  history: { minimum: 2, weight: 2 },
  lower: { minimum: METRICS_ROWS, weight: 1 },
  guidance: { minimum: 2, weight: 0 },
} satisfies Record<string, Band>;
type BandName = keyof typeof BANDS;
const SHRINK_ORDER: readonly BandName[] = ['guidance', 'history', 'pair', 'lower', 'queue'];

function bandRows(content: number): Record<BandName, number> {
  const names = Object.keys(BANDS) as BandName[];
  const rows = Object.fromEntries(names.map((name) => [name, BANDS[name].minimum])) as Record<
    BandName,
    number
  >;
  let left = content - names.reduce((total, name) => total + rows[name], 0);
  for (const name of SHRINK_ORDER) {
    while (left < 0 && rows[name] > 0) {
      rows[name] -= 1;
      left += 1;
    }
  }
  if (left <= 0) return rows;
  const weights = names.reduce((total, name) => total + BANDS[name].weight, 0);
  let given = 0;
  for (const name of names) {
    const share = Math.floor((left * BANDS[name].weight) / weights);
    rows[name] += share;
    given += share;
  }
  rows.queue += left - given;
  return rows;
}

/**
 * Sizes every pane so the whole dashboard fits `width` × `height` exactly: at 80×24 (height 23,
 * one row kept free so ink never scrolls) the queue shows 6 rows and every other pane at least 2.
 */
export function computeLayout(width: number, height: number): DashboardLayout {
  const columns = Math.max(20, width);
  const content = Math.max(0, height - CHROME_ROWS - TITLE_ROWS);
  const rows = bandRows(content);
  const left = Math.floor(columns / 2);
  const right = columns - left;
  return {
    width: columns,
    queue: { width: columns, rows: rows.queue },
    workers: { width: left, rows: rows.pair },
    agents: { width: right, rows: rows.pair },
    history: { width: columns, rows: rows.history },
    metrics: { width: left, rows: rows.lower },
    alerts: { width: right, rows: rows.lower },
    guidance: { width: columns, rows: rows.guidance },
  };
}
