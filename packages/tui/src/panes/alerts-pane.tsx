import type { DashboardAlert } from '../read-model/model.js';
import { contentRows, Line, Pane } from './pane.js';
import { visibleRows } from './visible-rows.js';

/** Props of {@link AlertsPane}. */
export interface AlertsPaneProps {
  /** Alerts, newest first. */
  alerts: readonly DashboardAlert[];
  /** What to do next. */
  guidance: readonly string[];
  /** Outer width in columns. */
  width: number;
  /** Outer height in rows. */
  height: number;
}

/** Alerts (red errors, yellow warnings) followed by the guidance lines, guidance kept visible first. */
export function AlertsPane({ alerts, guidance, width, height }: AlertsPaneProps) {
  const rows = contentRows(height);
  const guidanceShown = guidance.slice(0, Math.max(1, Math.ceil(rows / 2)));
  const alertRows = visibleRows(alerts, Math.max(0, rows - guidanceShown.length));
  const failing = alerts.some((alert) => alert.severity === 'error');
  return (
    <Pane
      title={`Alerts (${alerts.length}) & guidance`}
      width={width}
      height={height}
      color={failing ? 'red' : 'yellow'}
    >
      {alertRows.shown.map((alert, index) => (
        <Line
          key={`${alert.entryId}-${alert.at}-${index}`}
          color={alert.severity === 'error' ? 'red' : 'yellow'}
        >
          {`! ${alert.entryId} ${alert.message}`}
        </Line>
      ))}
      {alertRows.hidden > 0 ? <Line dim>{`… ${alertRows.hidden} more alerts`}</Line> : null}
      {guidanceShown.map((line) => (
        <Line key={line} color="cyan">{`→ ${line}`}</Line>
      ))}
      {alerts.length === 0 && guidance.length === 0 ? <Line dim>all clear</Line> : null}
    </Pane>
  );
}
