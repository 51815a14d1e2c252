import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@hyperion/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDashboard } from './start-dashboard.js';
import { createFakeTerminal } from './testing/fake-terminal.js';
import { sampleEntry } from './testing/sample-entry.js';
import { waitFor } from './testing/wait-for.js';

describe('startDashboard', () => {
  let directory: string;
  let databasePath: string;
  let store: SqliteStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-tui-start-'));
    databasePath = join(directory, '.hyperion', 'hyperion.db');
    store = SqliteStore.open(databasePath, { create: true });
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('draws the store, refreshes when another connection writes the file, and quits on q', async () => {
    await store.enqueue(sampleEntry('first-change'));
    const terminal = createFakeTerminal(120, 40);
    // A refresh period far beyond the test proves the update comes from the file watch.
    const dashboard = await startDashboard({
      store,
      refreshMs: 600_000,
      title: 'test',
      stdout: terminal.stdout,
      stdin: terminal.stdin,
    });
    await waitFor(() => terminal.output().includes('first-change'), 'the first entry');
    expect(terminal.output()).toContain('Hyperion ▸ test');

    const writer = SqliteStore.open(databasePath);
    await writer.enqueue(sampleEntry('second-change'));
    await writer.close();
    await waitFor(
      () => terminal.output().includes('second-change'),
      'the entry written by another connection',
    );

    terminal.press('q');
    await dashboard.waitUntilExit();
  });

  it('stops on request and keeps the store open', async () => {
    const terminal = createFakeTerminal(60, 30);
    const dashboard = await startDashboard({
      store,
      refreshMs: 20,
      stdout: terminal.stdout,
      stdin: terminal.stdin,
    });
    await waitFor(() => terminal.output().includes('queue is empty'), 'the empty-queue guidance');
    dashboard.stop();
    await dashboard.waitUntilExit();
    expect(await store.countByState()).toEqual({});
  });

  it('refreshes on its timer', async () => {
    const terminal = createFakeTerminal(120, 40);
    const dashboard = await startDashboard({
      store,
      refreshMs: 50,
      watchThrottleMs: 600_000,
      stdout: terminal.stdout,
      stdin: terminal.stdin,
    });
    await waitFor(() => terminal.output().includes('queue is empty'), 'the first frame');
    await store.enqueue(sampleEntry('timed-change'));
    await waitFor(() => terminal.output().includes('timed-change'), 'the timer refresh');
    dashboard.stop();
    await dashboard.waitUntilExit();
  });
});
