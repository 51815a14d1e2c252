import { useApp, useInput, useStdin } from 'ink';
import { Dashboard } from './dashboard.js';
import type { DashboardModel } from './read-model/model.js';
import { useLiveModel, type DashboardSource } from './use-live-model.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Props of {@link DashboardApp}. */
export interface DashboardAppProps {
  /** The snapshot to show (the first one, when `source` is given). */
  model: DashboardModel;
  /** Where fresh models come from; without it `model` stays on screen. */
  source?: DashboardSource;
  /** Shown in the header. */
  title?: string;
  /** A refresh error to show (the source's own errors are shown too). */
  error?: string | null;
}

/** The dashboard sized to the terminal; `q` or Ctrl-C quits. */
export function DashboardApp({ model: initial, source, title, error: givenError = null }: DashboardAppProps) {
  const { model, error: loadError } = useLiveModel(initial, source);
  const error = loadError ?? givenError;
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) exit();
    },
    { isActive: isRawModeSupported === true },
  );
  return (
    <Dashboard
      model={model}
      width={columns}
      height={rows - 1}
      error={error}
      {...(title === undefined ? {} : { title })}
    />
  );
}
