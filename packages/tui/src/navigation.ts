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

/** A pane's selection: the row's id (so it follows its row across refreshes) and its last index. */
export interface SelectedRow {
  /** The row's id (entry, worker, task, request), when a row was selected. */
  key: string | undefined;
  /** Where it was; used when the row is gone. */
  index: number;
}

/** The selection of every pane. */
export type SelectedRows = Record<FocusablePane, SelectedRow>;

/** No row chosen yet in any pane. */
export function noSelectedRows(): SelectedRows {
  const none = (): SelectedRow => ({ key: undefined, index: 0 });
  return { queue: none(), workers: none(), agents: none(), history: none(), alerts: none() };
}

/**
 * The index of `selected` in `model`: the row with its id wherever it moved, else the same
 * position clamped to the list (its row is gone).
 */
export function selectedIndex(model: DashboardModel, pane: FocusablePane, selected: SelectedRow): number {
  const length = paneLength(model, pane);
  if (length === 0) return 0;
  if (selected.key !== undefined) {
    for (let index = 0; index < length; index += 1) {
      if (rowKey(model, pane, index) === selected.key) return index;
    }
  }
  return Math.min(Math.max(0, selected.index), length - 1);
}

/** The selection on row `index` of `pane`. */
export function selectRow(model: DashboardModel, pane: FocusablePane, index: number): SelectedRow {
  return { key: rowKey(model, pane, index), index };
}

/** The id of row `index` of `pane`, when there is such a row. */
export function rowKey(model: DashboardModel, pane: FocusablePane, index: number): string | undefined {
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
