import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import { Dashboard } from './dashboard.js';
import { QueuePane } from './panes/queue-pane.js';
import { sampleModel } from './testing/sample-model.js';
import { stripAnsi } from './testing/strip-ansi.js';

function frameOf(element: ReactElement): string[] {
  const { lastFrame, unmount } = render(element);
  const frame = stripAnsi(lastFrame() ?? '');
  unmount();
  return frame.split('\n');
}

describe('Dashboard', () => {
  it('renders every pane with the model data side by side on a wide terminal', () => {
    const lines = frameOf(<Dashboard model={sampleModel()} width={100} height={39} title="demo" />);
    const frame = lines.join('\n');
    expect(lines[0]).toContain('Hyperion ▸ demo  queued 1 · approval 1 · running 1 · landed 4 · failed 1');
    for (const text of [
      'Queue (4)',
      'Workers (1 busy / 2)',
      'Requests (last 2)',
      'Metrics',
      'Alerts (1) & guidance',
      'change-running',
      '[worker-1] add t',
      'approval',
      'worker-2',
      'request-1',
      '✓0 …3 ✗0 parse',
      'landed 0.30/min 10m · 0.05/min 60m',
      'landed 4 · conflicts 0',
      'success 80% · quarantined 1',
      'latency p50 42.0s · p90 1m 35s',
      'checks failed 2 · flaked 1 (30m)',
      '! change-broken quarantined: check test failed',
      '→ 1 entry awaits approval: hyperion approve change-risky',
      'q quit',
    ]) {
      expect(frame).toContain(text);
    }
    expect(lines.find((line) => line.includes('Queue (4)'))).toContain('Workers (1 busy / 2)');
    expect(lines.length).toBeLessThanOrEqual(39);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(100);
  });

  it('stacks the panes and cuts long text on a narrow terminal', () => {
    const longSummary = 'a summary far too long for a narrow terminal '.repeat(4);
    const model = sampleModel();
    const entries = model.entries.map((entry) => ({ ...entry, summary: longSummary }));
    const lines = frameOf(<Dashboard model={{ ...model, entries }} width={50} height={39} />);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(50);
    expect(lines.find((line) => line.includes('Queue (4)'))).not.toContain('Workers');
    expect(lines.join('\n')).toContain('Workers (1 busy / 2)');
    expect(lines.join('\n')).toContain('…');
    expect(lines.length).toBeLessThanOrEqual(39);
  });

  it('says so when there is nothing to show', () => {
    const frame = frameOf(
      <Dashboard
        model={sampleModel({
          entries: [],
          workers: [],
          requests: [],
          alerts: [],
          guidance: ['queue is empty: hyperion request <file>'],
        })}
        width={100}
        height={30}
      />,
    ).join('\n');
    expect(frame).toContain('no entries');
    expect(frame).toContain('no worker seen in the last hour');
    expect(frame).toContain('no requests yet');
    expect(frame).toContain('→ queue is empty: hyperion request <file>');
  });

  it('shows a refresh error in the footer', () => {
    const frame = frameOf(
      <Dashboard model={sampleModel()} width={100} height={30} error="database is locked" />,
    ).join('\n');
    expect(frame).toContain('refresh failed: database is locked · q quit');
  });
});

describe('QueuePane', () => {
  it('counts the entries that do not fit', () => {
    const entries = sampleModel().entries;
    const frame = frameOf(<QueuePane entries={entries} width={80} height={6} />).join('\n');
    expect(frame).toContain('change-running');
    expect(frame).toContain('change-queued');
    expect(frame).not.toContain('change-risky');
    expect(frame).toContain('… 2 more');
  });
});
