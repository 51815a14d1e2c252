import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dashboard } from './dashboard.js';
import { readDashboard } from './read-model.js';
import type { DashboardModel } from './read-model/model.js';
import { seedStore, type SeededStore } from './testing/seed-store.js';
import { stripAnsi } from './testing/strip-ansi.js';

function frameAt(model: DashboardModel, columns: number, rows: number): string[] {
  // The dashboard keeps one terminal row free so ink never scrolls the screen.
  const { lastFrame, unmount } = render(
    <Dashboard model={model} width={columns} height={rows - 1} title="demo" />,
  );
  const frame = stripAnsi(lastFrame() ?? '');
  unmount();
  return frame.split('\n');
}

describe('the dashboard layout', () => {
  let seeded: SeededStore;

  beforeEach(async () => {
    seeded = await seedStore();
  });

  afterEach(async () => {
    await seeded.cleanup();
  });

  for (const [columns, rows] of [
    [80, 24],
    [100, 30],
    [160, 50],
  ] as const) {
    it(`fits ${columns}×${rows}: header, every pane title and a row of every non-empty pane are visible`, async () => {
      const model = await readDashboard(seeded.store, { leaseMs: seeded.leaseMs });
      const lines = frameAt(model, columns, rows);
      if (process.env['HYPERION_PRINT_FRAME'] === String(columns)) console.log(lines.join('\n'));
      expect(lines.length).toBeLessThanOrEqual(rows - 1);
      expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(columns);
      expect(lines[0]).toMatch(/^Hyperion ▸ demo {2}queued 1 · approval 2 · running 1 · landed 1 · failed 2/);
      const titled = (title: string) => lines.findIndex((line) => line.includes(title));
      for (const title of [
        'Queue: 2 approval · 1 running · 1 queued',
        'Workers (1 busy / 2)',
        'Agents (1 running',
        'Task history (last 2)',
        'Metrics',
        'Alerts (2)',
        'Next',
      ]) {
        expect(titled(title), title).toBeGreaterThan(0);
      }
      // The row right under each title belongs to it.
      expect(lines[titled('Queue:') + 1]).toContain('change-lock');
      expect(lines[titled('Workers (') + 1]).toContain('worker-1');
      expect(lines[titled('Agents (') + 1]).toContain('T-write');
      expect(lines[titled('Task history') + 1]).toContain('REQ-7');
      expect(lines[titled('Metrics') + 1]).toContain('landed 1');
      expect(lines[titled('Alerts (') + 1]).toContain('change-clash conflicted');
      expect(lines[titled('Next') + 1]).toContain('2 changes await approval — a to approve');
      expect(lines.at(-1)).toContain('Tab pane');
      expect(lines.join('\n')).not.toMatch(/more alerts|… \d+ more/);
    });
  }
});
