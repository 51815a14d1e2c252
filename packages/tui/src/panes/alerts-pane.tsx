import type { DashboardAlert } from '../read-model/model.js';
import { listWindow, windowPosition } from './list-window.js';
import { positionProp } from './queue-pane.js';
import { Row, Section } from './section.js';

/** Props of {@link AlertsPane}. */
export interface AlertsPaneProps {
  /** Alerts, newest first. */
  alerts: readonly DashboardAlert[];
  /** Outer width in columns. */
  width: number;
  /** Content rows. */
  rows: number;
  /** Whether Tab has moved here. */
  focused?: boolean;
  /** Index of the selected alert. */
  selected?: number;
}

/** Quarantined and conflicted entries with their reason (red), expired leases (yellow). */
export function AlertsPane({ alerts, width, rows, focused = false, selected = 0 }: AlertsPaneProps) {
  const window = listWindow(alerts.length, selected, rows);
  const failing = alerts.some((alert) => alert.severity === 'error');
  return (
    <Section
      title={`Alerts (${alerts.length})`}
      {...positionProp(windowPosition(window, alerts.length))}
      width={width}
      rows={rows}
      focused={focused}
      color={failing ? 'red' : 'yellow'}
    >
      {alerts.length === 0 && rows > 0 ? <Row dim>all clear</Row> : null}
      {alerts.slice(window.start, window.end).map((alert, offset) => (
        <Row
          key={`${alert.entryId}-${alert.at}`}
          selected={window.start + offset === selected}
          focused={focused}
          color={alert.severity === 'error' ? 'red' : 'yellow'}
        >
          {`${alert.entryId} ${alert.message}`}
        </Row>
      ))}
    </Section>
  );
}
