import { useApp, useInput, useStdin, type Key } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { DashboardActions } from './actions.js';
import { ColorsContext, colorsWanted } from './colors.js';
import { Dashboard } from './dashboard.js';
import { detailLines, detailRows, EntryView } from './entry-view.js';
import { HelpView } from './help-view.js';
import { keyCommand, type KeyCommand } from './key-commands.js';
import { computeLayout } from './layout.js';
import {
  firstAwaitingIndex,
  FOCUSABLE_PANES,
  nextPane,
  noSelectedRows,
  paneLength,
  selectedEntryId,
  selectedIndex,
  selectRow,
  type FocusablePane,
  type SelectedRows,
  type Selections,
} from './navigation.js';
import { perform, question, refusal, type PendingAction } from './pending-action.js';
import { editReason, reasonQuestion, type ReasonPrompt } from './reason-prompt.js';
import type { EntryDetail } from './read-model/entry-detail.js';
import type { DashboardModel } from './read-model/model.js';
import { describeError, useLiveModel, type DashboardSource } from './use-live-model.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Props of {@link DashboardApp}. */
export interface DashboardAppProps {
  /** The snapshot to show (the first one, when `source` is given). */
  model: DashboardModel;
  /** Where fresh models come from; without it `model` stays on screen. */
  source?: DashboardSource;
  /** What `a`, `x`, `r` and `p` do; without them the dashboard is read-only and says so. */
  actions?: DashboardActions;
  /** Shown in the header. */
  title?: string;
  /** A refresh error to show (the source's own errors are shown too). */
  error?: string | null;
  /** Draw colors (default: unless `NO_COLOR` is set). */
  colors?: boolean;
}

type View = { kind: 'dashboard' } | { kind: 'help' } | { kind: 'entry'; id: string; scroll: number };

/** Rows of the pane `pane` at this terminal size (for PgUp/PgDn). */
function paneRows(pane: FocusablePane, columns: number, rows: number): number {
  return Math.max(1, computeLayout(columns, rows - 1)[pane].rows);
}

/**
 * The interactive dashboard sized to the terminal: Tab between panes, ↑/↓ (j/k) within one,
 * Enter opens the selected entry, `a`/`r`/`p` act after `y`, `x` rejects after a typed reason and
 * Enter, `?` shows the keys, `q` quits.
 * The selection starts on the first entry awaiting approval and follows its row across refreshes.
 */
export function DashboardApp({
  model: initial,
  source,
  actions,
  title,
  error: givenError = null,
  colors = colorsWanted(),
}: DashboardAppProps) {
  const { model, error: loadError, refresh } = useLiveModel(initial, source);
  const error = loadError ?? givenError;
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const [focus, setFocus] = useState<FocusablePane>('queue');
  const [selectedRows, setSelectedRows] = useState<SelectedRows>(noSelectedRows);
  const [view, setView] = useState<View>({ kind: 'dashboard' });
  const [pending, setPending] = useState<PendingAction | null>(null);
  // `x` first asks why: the reason is typed on the footer line, Enter rejects, Esc cancels.
  const [reasonPrompt, setReasonPrompt] = useState<ReasonPrompt | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [detail, setDetail] = useState<EntryDetail | null | undefined>(undefined);
  // Until a person moves in the queue, its selection waits on the first entry awaiting approval.
  const [queueMoved, setQueueMoved] = useState(false);
  const indexIn = (rows: SelectedRows, pane: FocusablePane): number =>
    pane === 'queue' && !queueMoved ? firstAwaitingIndex(model) : selectedIndex(model, pane, rows[pane]);
  const selections = Object.fromEntries(
    FOCUSABLE_PANES.map((pane) => [pane, indexIn(selectedRows, pane)]),
  ) as Selections;

  const openId = view.kind === 'entry' ? view.id : undefined;
  useEffect(() => {
    if (openId === undefined || source?.loadEntry === undefined) return undefined;
    let current = true;
    source
      .loadEntry(openId)
      .then((loaded) => current && setDetail(loaded ?? null))
      .catch(
        (failure: unknown) => current && setMessage(`could not read ${openId}: ${describeError(failure)}`),
      );
    return () => {
      current = false;
    };
  }, [openId, source, model]);

  const ask = (kind: 'approve' | 'reject' | 'retry'): void => {
    const id = view.kind === 'entry' ? view.id : selectedEntryId(model, focus, selections[focus]);
    if (actions === undefined)
      return setMessage('this dashboard is read-only: act from hyperion tui in another terminal');
    if (id === undefined) return setMessage(`select an entry to ${kind} (Tab to the queue or the alerts)`);
    const refused = refusal(model, kind, id);
    if (refused !== undefined) return setMessage(refused);
    if (kind === 'reject') {
      setMessage(null);
      return setReasonPrompt({ entryId: id, text: '' });
    }
    const action: PendingAction = { kind, entryId: id };
    setPending(action);
    setMessage(question(action));
  };

  const confirm = (action: PendingAction): void => {
    setPending(null);
    if (actions === undefined) return;
    setMessage(`${action.kind}…`);
    void perform(actions, action).then((result) => {
      setMessage(result);
      refresh();
    });
  };

  const move = (command: KeyCommand): void => {
    const steps = (page: number): Partial<Record<KeyCommand, number>> => ({
      up: -1,
      down: 1,
      'page-up': -page,
      'page-down': page,
    });
    if (view.kind === 'entry') {
      const total = detail === undefined || detail === null ? 0 : detailLines(detail).length;
      const page = detailRows(rows - 1);
      const last = Math.max(0, total - page);
      setView((current) => {
        if (current.kind !== 'entry') return current;
        const scroll =
          command === 'first' ? 0 : command === 'last' ? last : current.scroll + (steps(page)[command] ?? 0);
        return { ...current, scroll: Math.max(0, Math.min(last, scroll)) };
      });
      return;
    }
    const length = paneLength(model, focus);
    const page = paneRows(focus, columns, rows);
    if (focus === 'queue') setQueueMoved(true);
    setSelectedRows((current) => {
      const from = indexIn(current, focus);
      const next =
        command === 'first' ? 0 : command === 'last' ? length - 1 : from + (steps(page)[command] ?? 0);
      const index = Math.max(0, Math.min(Math.max(0, length - 1), next));
      return { ...current, [focus]: selectRow(model, focus, index) };
    });
  };

  const onKey = (input: string, key: Key): void => {
    const command = keyCommand(input, key);
    if (key.ctrl && input === 'c') return exit();
    if (reasonPrompt !== null) {
      const edit = editReason(reasonPrompt, input, key);
      if (edit.kind === 'cancel') {
        setReasonPrompt(null);
        setMessage('reject cancelled');
      } else if (edit.kind === 'submit') {
        setReasonPrompt(null);
        confirm({ kind: 'reject', entryId: reasonPrompt.entryId, reason: edit.reason });
      } else setReasonPrompt({ entryId: reasonPrompt.entryId, text: edit.text, blank: edit.blank === true });
      return;
    }
    if (pending !== null) {
      if (command === 'confirm') confirm(pending);
      else {
        setPending(null);
        setMessage(`${pending.kind} cancelled`);
      }
      return;
    }
    if (command === undefined) return;
    if (command === 'quit') return exit();
    setMessage(null);
    switch (command) {
      case 'help':
        setView(view.kind === 'help' ? { kind: 'dashboard' } : { kind: 'help' });
        return;
      case 'back':
        setView({ kind: 'dashboard' });
        setDetail(undefined);
        return;
      case 'next-pane':
      case 'previous-pane':
        if (view.kind === 'dashboard') setFocus(nextPane(focus, command === 'next-pane' ? 1 : -1));
        return;
      case 'open': {
        if (view.kind !== 'dashboard') return;
        const id = selectedEntryId(model, focus, selections[focus]);
        if (id === undefined) return setMessage('no entry on this row to open');
        setDetail(undefined);
        setView({ kind: 'entry', id, scroll: 0 });
        return;
      }
      case 'approve':
      case 'reject':
      case 'retry':
        ask(command);
        return;
      case 'pause': {
        if (actions === undefined)
          return setMessage('this dashboard is read-only: act from hyperion tui in another terminal');
        const action: PendingAction = {
          kind: model.controls.paused || model.controls.draining ? 'resume' : 'pause',
        };
        setPending(action);
        setMessage(question(action));
        return;
      }
      case 'confirm':
        return;
      default:
        move(command);
    }
  };
  // ink may call a handler registered by an earlier render; the ref always holds this render's.
  const latestKeyHandler = useRef(onKey);
  latestKeyHandler.current = onKey;
  useInput((input, key) => latestKeyHandler.current(input, key), { isActive: isRawModeSupported === true });

  const height = rows - 1;
  const footer = reasonPrompt === null ? message : reasonQuestion(reasonPrompt, columns);
  return (
    <ColorsContext.Provider value={colors}>
      {view.kind === 'help' ? (
        <HelpView
          width={columns}
          height={height}
          {...(actions === undefined ? {} : { actor: actions.actor })}
        />
      ) : view.kind === 'entry' ? (
        <EntryView
          detail={detail}
          id={view.id}
          width={columns}
          height={height}
          scroll={view.scroll}
          footer={footer}
        />
      ) : (
        <Dashboard
          model={model}
          width={columns}
          height={height}
          error={error}
          focus={focus}
          selections={selections}
          footer={footer}
          {...(title === undefined ? {} : { title })}
        />
      )}
    </ColorsContext.Provider>
  );
}
