import type { DashboardModel } from './read-model/model.js';

/** The panes Tab moves between, in order (metrics and guidance have no rows to select). */
export const FOCUSABLE_PANES = ['queue', 'workers', 'agents', 'history', 'alerts'] as const;
/** A pane Tab can move to. */
export type FocusablePane = (typeof FOCUSABLE_PANES)[number];
/** The selected row of each pane. */
export type Selections = Record<FocusablePane, number>;

/** Every pane's selection at its first row. */
export function firstRows(): Selections {
  return { queue: 0, workers: 0, agents: 0, history: 0, alerts: 0 };
}

/** How many rows `pane` has in `model`. */
export function paneLength(model: DashboardModel, pane: FocusablePane): number {
  switch (pane) {
    case 'queue':
      return model.entries.length;
    case 'workers':
      return model.workers.length;
    case 'agents':
      return model.agents.length;
    case 'history':
      return model.requests.length;
    case 'alerts':
      return model.alerts.length;
  }
}

/** The pane after (`step` 1) or before (`step` -1) `pane`, wrapping around. */
export function nextPane(pane: FocusablePane, step: 1 | -1): FocusablePane {
  const index = FOCUSABLE_PANES.indexOf(pane);
  const next = (index + step + FOCUSABLE_PANES.length) % FOCUSABLE_PANES.length;
  return FOCUSABLE_PANES[next] ?? 'queue';
}

/**
 * The entry the selected row of `pane` is about: the queue entry, the alert's entry, the entry a
 * worker holds; undefined for rows that are not about one entry.
 */
export function selectedEntryId(
  model: DashboardModel,
  pane: FocusablePane,
  index: number,
): string | undefined {
  switch (pane) {
    case 'queue':
      return model.entries[index]?.id;
    case 'alerts':
      return model.alerts[index]?.entryId;
    case 'workers':
      return model.workers[index]?.currentEntryId ?? undefined;
    default:
      return undefined;
  }
}

/** The index of the first entry awaiting approval, or 0. */
export function firstAwaitingIndex(model: DashboardModel): number {
  const index = model.entries.findIndex((entry) => entry.state === 'awaiting_approval');
  return index < 0 ? 0 : index;
}

/**
 * Keeps a selection on the same row id across refreshes (entries move as states change); falls
 * back to the same position, clamped to the new list.
 */
export function followSelection(
  previous: DashboardModel,
  next: DashboardModel,
  pane: FocusablePane,
  index: number,
): number {
  const length = paneLength(next, pane);
  if (length === 0) return 0;
  const key = rowKey(previous, pane, index);
  if (key !== undefined) {
    for (let candidate = 0; candidate < length; candidate += 1) {
      if (rowKey(next, pane, candidate) === key) return candidate;
    }
  }
  return Math.min(index, length - 1);
}

function rowKey(model: DashboardModel, pane: FocusablePane, index: number): string | undefined {
  switch (pane) {
    case 'queue':
      return model.entries[index]?.id;
    case 'workers':
      return model.workers[index]?.name;
    case 'agents':
      return model.agents[index]?.taskId;
    case 'history':
      return model.requests[index]?.id;
    case 'alerts':
      return model.alerts[index]?.entryId;
  }
}
