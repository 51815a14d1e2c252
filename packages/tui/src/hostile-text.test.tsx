import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@hyperion/store';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dashboard } from './dashboard.js';
import { readDashboard } from './read-model.js';
import { sampleEntry } from './testing/sample-entry.js';

/** Erases the line and moves the cursor home, then sets the window title: what a hostile summary holds. */
const HOSTILE = '\u001b[2K\u001b[1Gok\u001b]0;pwned\u0007\u009b2J\u202e';

/**
 * Every control sequence in `frame` other than the colour codes (SGR, `ESC [ … m`) ink draws
 * itself, and every C1 or bidi control.
 */
function foreignControls(frame: string): string[] {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const withoutColours = frame.replace(/\u001b\[[0-9;]*m/g, '');
  return [
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    ...withoutColours.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g),
  ].map((match) => `U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

describe('the dashboard and hostile stored text', () => {
  let directory: string;
  let store: SqliteStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'hyperion-tui-hostile-'));
    store = SqliteStore.open(join(directory, '.hyperion', 'hyperion.db'), { create: true });
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('draws escape sequences in summaries, reasons, worker names and requests as visible text', async () => {
    await store.enqueue(sampleEntry('waiting', { summary: `Tidy${HOSTILE}\nsecond line` }));
    await store.enqueue(sampleEntry('broken', { summary: `broken${HOSTILE}` }));
    await store.leaseNext(`worker${HOSTILE}`, 60_000);
    await store.transition('waiting', {
      from: 'running',
      to: 'quarantined',
      type: 'entry:quarantined',
      worker: `worker${HOSTILE}`,
      data: { reason: `check failed${HOSTILE}` },
      set: { last_error: `check failed${HOSTILE}` },
    });
    await store.leaseNext(`other${HOSTILE}`, 60_000);
    await store.insertRequest({ id: 'REQ-1', summary: `r${HOSTILE}`, status: 'received', body: {} });
    const model = await readDashboard(store);
    const { lastFrame, unmount } = render(
      <Dashboard model={model} width={240} height={40} title={`repo${HOSTILE}`} error={`locked${HOSTILE}`} />,
    );
    const frame = lastFrame() ?? '';
    unmount();
    expect(foreignControls(frame)).toEqual([]);
    for (const text of [
      'Tidy\\x1b[2K',
      '[other\\x1b[2K',
      'worker\\x1b[2K\\x',
      'check failed\\x1b[2K\\x1b[1Gok\\x1b]0;pwned\\x07\\x9b2J\\u202e',
      ' r\\x1b[2K\\x1b[1Gok',
      'repo\\x1b[2K',
      'refresh failed: locked\\x1b[2K',
    ]) {
      expect(frame).toContain(text);
    }
  });
});
