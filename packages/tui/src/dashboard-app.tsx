import { useApp, useInput, useStdin } from 'ink';
import { Dashboard } from './dashboard.js';
import type { DashboardModel } from './read-model/model.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Props of {@link DashboardApp}. */
export interface DashboardAppProps {
  /** The snapshot to show. */
  model: DashboardModel;
  /** Shown in the header. */
  title?: string;
  /** The last refresh error, if any. */
  error?: string | null;
}

/** The dashboard sized to the terminal; `q` or Ctrl-C quits. */
export function DashboardApp({ model, title, error = null }: DashboardAppProps) {
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
