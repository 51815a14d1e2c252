import { Text } from 'ink';
import { usePaint } from '../colors.js';
import { cell, formatDuration } from '../format.js';
import type { DashboardAgent } from '../read-model/model.js';
import { listWindow, windowPosition } from './list-window.js';
import { positionProp } from './queue-pane.js';
import { Row, Section } from './section.js';

/** Props of {@link AgentsPane}. */
export interface AgentsPaneProps {
  /** Assignments, running first. */
  agents: readonly DashboardAgent[];
  /** Outer width in columns. */
  width: number;
  /** Content rows. */
  rows: number;
  /** Whether Tab has moved here. */
  focused?: boolean;
  /** Index of the selected assignment. */
  selected?: number;
}

const STATUS_COLORS: Record<DashboardAgent['status'], string> = {
  running: 'cyan',
  waiting: 'magenta',
  blocked: 'red',
};

function tokens(count: number | null): string {
  if (count === null) return '';
  return count >= 1000 ? ` ${(count / 1000).toFixed(1)}k tok` : ` ${count} tok`;
}

/** Agents' assignments: status, task, harness, elapsed time, tokens, and why one waits or is blocked. */
export function AgentsPane({ agents, width, rows, focused = false, selected = 0 }: AgentsPaneProps) {
  const paint = usePaint();
  const window = listWindow(agents.length, selected, rows);
  const running = agents.filter((agent) => agent.status === 'running').length;
  const blocked = agents.filter((agent) => agent.status === 'blocked').length;
  return (
    <Section
      title={`Agents (${running} running${blocked > 0 ? ` · ${blocked} blocked` : ''})`}
      {...positionProp(windowPosition(window, agents.length))}
      width={width}
      rows={rows}
      focused={focused}
      color="magenta"
    >
      {agents.length === 0 && rows > 0 ? <Row dim>no assignment in progress</Row> : null}
      {agents.slice(window.start, window.end).map((agent, offset) => (
        <Row key={agent.taskId} selected={window.start + offset === selected} focused={focused}>
          <Text color={paint(STATUS_COLORS[agent.status])}>{cell(agent.status, 8)}</Text>
          {` ${agent.taskId} ${agent.harness ?? '—'} ${formatDuration(agent.elapsedMs)}${tokens(agent.tokens)}`}
          {agent.detail === null ? '' : ` · ${agent.detail}`}
        </Row>
      ))}
    </Section>
  );
}
