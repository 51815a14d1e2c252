import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ColorsContext } from './colors.js';
import { Dashboard } from './dashboard.js';
import { AgentsPane } from './panes/agents-pane.js';
import { AlertsPane } from './panes/alerts-pane.js';
import { GuidancePane } from './panes/guidance-pane.js';
import { HistoryPane } from './panes/history-pane.js';
import { MetricsPane } from './panes/metrics-pane.js';
import { QueuePane } from './panes/queue-pane.js';
import { WorkersPane } from './panes/workers-pane.js';
import { readDashboard } from './read-model.js';
import type { DashboardEntry, DashboardModel } from './read-model/model.js';
import { seedStore, type SeededStore } from './testing/seed-store.js';
import { stripAnsi } from './testing/strip-ansi.js';

function linesOf(element: ReactElement): string[] {
  const { lastFrame, unmount } = render(element);
  const frame = stripAnsi(lastFrame() ?? '');
  unmount();
  return frame.split('\n');
}

function rawFrame(element: ReactElement): string {
  const { lastFrame, unmount } = render(element);
  const frame = lastFrame() ?? '';
  unmount();
  return frame;
}

describe('every pane, from a seeded SQLite store', () => {
  let seeded: SeededStore;
  let model: DashboardModel;

  beforeEach(async () => {
    seeded = await seedStore();
    model = await readDashboard(seeded.store, { leaseMs: seeded.leaseMs });
  });

  afterEach(async () => {
    await seeded.cleanup();
  });

  it('queue: awaiting approval first, then running and queued, then the latest finished, with state and age', () => {
    const lines = linesOf(<QueuePane entries={model.entries} counts={model.counts} width={100} rows={10} />);
    expect(lines[0]).toContain('Queue: 2 approval · 1 running · 1 queued');
    const ids = lines.slice(1).flatMap((line) => /change-[a-z]+/.exec(line) ?? []);
    expect(ids).toEqual([
      'change-lock',
      'change-ci',
      'change-run',
      'change-wait',
      'change-clash',
      'change-broken',
      'change-landed',
    ]);
    expect(lines[1]).toMatch(/^›approval +change-lock +0\/3 +10\.0s +bump the lockfile/);
    expect(lines[3]).toContain('[worker-1] write the parser');
    expect(lines[5]).toMatch(/conflict +change-clash +1\/3 +15\.0s/);
  });

  it('workers: the entry, its step, the lease left and the heartbeat age; idle ones with their idle time', () => {
    const lines = linesOf(<WorkersPane workers={model.workers} width={100} rows={3} />);
    expect(lines[0]).toContain('Workers (1 busy / 2)');
    // Leased 10 s ago for 30 s: 20 s left, last renewal 10 s ago.
    expect(lines[1]).toMatch(/^›worker-1 +change-run applied lease 20\.0s beat 10\.0s/);
    expect(lines[2]).toMatch(/^ worker-2 +idle 15\.0s/);
  });

  it('agents: running assignments with harness, elapsed time and tokens; waiting and blocked ones say why', () => {
    const lines = linesOf(<AgentsPane agents={model.agents} width={100} rows={4} />);
    expect(lines[0]).toContain('Agents (1 running)');
    expect(lines[1]).toMatch(/running +T-write copilot 15\.0s 1\.5k tok/);
    expect(lines.slice(2).join('\n')).toMatch(/waiting +T-docs .* waiting for a developer/);
    expect(lines.slice(2).join('\n')).toMatch(/waiting +T-lock .* its change awaits approval/);
  });

  it('task history: the newest requests with status, tasks and outcomes', () => {
    const lines = linesOf(<HistoryPane requests={model.requests} width={100} rows={3} />);
    expect(lines[0]).toContain('Task history (last 2)');
    expect(lines[1]).toMatch(/REQ-7 +enqueued +3 tasks +✓1 …2 ✗0 add a parser/);
    expect(lines[2]).toMatch(/REQ-6 +failed +0 tasks +✓0 …0 ✗0 the engineer gave up/);
  });

  it('metrics: landed, throughput, success rate, conflicts, latency and check results', () => {
    const lines = linesOf(<MetricsPane metrics={model.metrics} width={40} rows={4} />);
    expect(lines).toEqual([
      expect.stringContaining('Metrics'),
      ' landed 1 · 0.10/min 10m · 0.02/min 1h',
      ' success 33% · quarantined 1',
      ' conflicts 1 · p50 0ms · p90 0ms',
      ' checks failed 2 · flaked 0 (30m)',
    ]);
  });

  it('alerts: the quarantined and conflicted entries with their reasons, not the check that failed before a landing', () => {
    const lines = linesOf(<AlertsPane alerts={model.alerts} width={100} rows={4} />);
    expect(lines[0]).toContain('Alerts (2)');
    expect(lines[1]).toContain('change-clash conflicted: patch does not apply to main');
    expect(lines[2]).toContain("change-broken quarantined: check 'test' failed: exited with 2");
    expect(lines.join('\n')).not.toContain('change-landed');
  });

  it('guidance: what to do next, with the key', () => {
    const lines = linesOf(<GuidancePane guidance={model.guidance} width={100} rows={3} />);
    expect(lines[1]).toBe(' → 2 changes await approval — a to approve, x to reject, Enter to read');
    expect(lines[2]).toBe(' → 2 changes quarantined or conflicted — Enter on an alert shows why, r to retry');
  });

  it('marks the focused pane and its selected row', () => {
    const lines = linesOf(
      <Dashboard
        model={model}
        width={100}
        height={30}
        focus="alerts"
        selections={{ queue: 1, workers: 0, agents: 0, history: 0, alerts: 1 }}
      />,
    );
    expect(lines.find((line) => line.includes('Alerts (2)'))).toContain('▸ Alerts (2)');
    expect(lines.find((line) => line.includes('Queue:'))).not.toContain('▸');
    expect(lines.find((line) => line.includes('change-ci'))).toMatch(/^›approval/);
    expect(lines.find((line) => line.includes('change-broken quarantined'))).toMatch(/›change-broken/);
  });

  it('draws no color under NO_COLOR, and colors otherwise', () => {
    // Foreground colors are SGR 30–37, 90–97 and 38;…: none may appear with colors off.
    // eslint-disable-next-line no-control-regex -- finding color sequences is the point
    const colored = /\u001b\[(3[0-8]|9[0-7])[;m]/;
    const withColors = rawFrame(<Dashboard model={model} width={100} height={30} />);
    const withoutColors = rawFrame(
      <ColorsContext.Provider value={false}>
        <Dashboard model={model} width={100} height={30} />
      </ColorsContext.Provider>,
    );
    expect(withColors).toMatch(colored);
    expect(withoutColors).not.toMatch(colored);
    expect(stripAnsi(withoutColors)).toBe(stripAnsi(withColors));
  });

  it('shows a refresh error and a prompt in the footer', () => {
    const failing = linesOf(<Dashboard model={model} width={100} height={30} error="database is locked" />);
    expect(failing.at(-1)).toContain('refresh failed: database is locked · Tab pane');
    const asking = linesOf(
      <Dashboard model={model} width={100} height={30} footer="approve change-lock? y to confirm" />,
    );
    expect(asking.at(-1)).toBe('approve change-lock? y to confirm');
  });
});

describe('QueuePane with a long queue', () => {
  it('renders only the rows that fit, keeping the selection in view', () => {
    const entries: DashboardEntry[] = Array.from({ length: 10_000 }, (_, index) => ({
      id: `bulk-${index}`,
      taskId: `task-${index}`,
      requestId: null,
      summary: `change ${index}`,
      state: 'queued',
      attempts: 0,
      maxAttempts: 3,
      leaseOwner: null,
      lastError: null,
      ageMs: 1_000,
    }));
    const lines = linesOf(<QueuePane entries={entries} width={80} rows={6} selected={5_000} focused />);
    expect(lines).toHaveLength(7);
    expect(lines[0]).toContain('4998–5003/10000');
    expect(lines.filter((line) => line.startsWith('›'))).toEqual([expect.stringContaining('bulk-5000 ')]);
    expect(lines[1]).toContain('bulk-4997 ');
  });
});
