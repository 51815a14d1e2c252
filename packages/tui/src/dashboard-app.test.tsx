import type { SqliteStore } from '@hyperion/store';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions } from './actions.js';
import { colorsWanted } from './colors.js';
import { DashboardApp } from './dashboard-app.js';
import { readDashboard } from './read-model.js';
import { loadEntryDetail } from './read-model/entry-detail.js';
import { sampleModel } from './testing/sample-model.js';
import { seedStore, type SeededStore } from './testing/seed-store.js';
import { stripAnsi } from './testing/strip-ansi.js';
import { waitFor } from './testing/wait-for.js';
import type { DashboardSource } from './use-live-model.js';

/**
 * Actions as the CLI builds them, written here straight on the store (this package may not import
 * the queue): the same transitions and events as the queue's approve, reject and retry.
 */
function storeActions(store: SqliteStore, actor: string): DashboardActions {
  return {
    actor,
    approve: async (id) => {
      await store.transition(id, {
        from: 'awaiting_approval',
        to: 'queued',
        type: 'entry:approved',
        data: { by: actor },
      });
    },
    reject: async (id, reason) => {
      await store.transition(id, {
        from: ['awaiting_approval', 'queued'],
        to: 'rejected',
        type: 'entry:rejected',
        data: { by: actor, reason },
      });
    },
    retry: async (id) => {
      await store.transition(id, {
        from: ['quarantined', 'conflicted'],
        to: 'queued',
        type: 'entry:retry_scheduled',
        data: { by: actor, manual: true },
      });
    },
    setPaused: async (paused) => {
      await store.setQueueControls({ paused }, actor);
    },
  };
}

const TAB = '\t';
const SHIFT_TAB = '\u001b[Z';
const ENTER = '\r';
const ESCAPE = '\u001b';

describe('DashboardApp keys and actions, on a seeded SQLite store', () => {
  let seeded: SeededStore;
  let app: ReturnType<typeof render>;

  const screen = () => stripAnsi(app.lastFrame() ?? '');
  /** Types `keys` one key at a time, as a terminal sends them, and waits for the screen to agree. */
  const press = async (keys: string | string[], until: (frame: string) => boolean, what: string) => {
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      const before = app.frames.length;
      app.stdin.write(key);
      await waitFor(() => app.frames.length > before, `a frame after ${JSON.stringify(key)}`);
    }
    await waitFor(() => until(screen()), `${what}; the screen was:\n${screen()}`);
  };
  const line = (text: string) =>
    screen()
      .split('\n')
      .find((candidate) => candidate.includes(text)) ?? '';

  beforeEach(async () => {
    seeded = await seedStore();
    const { store } = seeded;
    const source: DashboardSource = {
      load: () => readDashboard(store, { leaseMs: seeded.leaseMs }),
      waitForChange: (timeoutMs, signal) => store.waitForChange(timeoutMs, signal),
      loadEntry: (id) => loadEntryDetail(store, id),
      refreshMs: 600_000,
      throttleMs: 0,
    };
    const model = await source.load();
    app = render(
      <DashboardApp model={model} source={source} actions={storeActions(store, 'tester')} colors={false} />,
    );
    await waitFor(() => screen().includes('change-lock'), 'the first frame');
  });

  afterEach(async () => {
    app.unmount();
    await seeded.cleanup();
  });

  it('starts on the first entry awaiting approval, moves with j/k and arrows, and switches panes with Tab', async () => {
    expect(line('change-lock')).toMatch(/^›approval +change-lock/);
    await press('j', (frame) => /›approval +change-ci/.test(frame), 'j moves down');
    await press('\u001b[B', (frame) => /›running +change-run/.test(frame), '↓ moves down');
    await press('k', (frame) => /›approval +change-ci/.test(frame), 'k moves up');
    await press(TAB, (frame) => frame.includes('▸ Workers'), 'Tab focuses the workers');
    await press(TAB, (frame) => frame.includes('▸ Agents'), 'Tab focuses the agents');
    await press(SHIFT_TAB, (frame) => frame.includes('▸ Workers'), 'Shift-Tab goes back');
    await press(
      '?',
      (frame) => frame.includes('Hyperion dashboard keys') && frame.includes('recorded as done by tester'),
      '? shows the keys',
    );
    await press(ESCAPE, (frame) => frame.includes('▸ Workers'), 'Esc closes the help');
  });

  it('approves the selected entry after y, as the actor; any other key cancels', async () => {
    await press('a', (frame) => frame.includes('approve change-lock? y to confirm'), 'a asks');
    await press('n', (frame) => frame.includes('approve cancelled'), 'n cancels');
    expect((await seeded.store.requireEntry('change-lock')).state).toBe('awaiting_approval');
    await press('a', (frame) => frame.includes('approve change-lock?'), 'a asks again');
    await press('y', (frame) => frame.includes('approved change-lock as tester'), 'y approves');
    expect((await seeded.store.requireEntry('change-lock')).state).toBe('queued');
    const approved = (await seeded.store.listEvents({ entryId: 'change-lock' })).at(-1);
    expect(approved).toMatchObject({ type: 'entry:approved', data: { by: 'tester' } });
    await waitFor(() => screen().includes('Queue: 1 approval · 1 running · 2 queued'), 'the refreshed queue');
    // Until a person moves the selection, it waits on the first entry awaiting approval: the next one.
    expect(line('change-ci')).toMatch(/^›approval +change-ci/);
    await press('j', (frame) => /›running +change-run/.test(frame), 'j moves');
    await press('k', (frame) => /›approval +change-ci/.test(frame), 'k moves back');
    await press(['a', 'y'], (frame) => frame.includes('approved change-ci as tester'), 'approves the second');
    await waitFor(() => screen().includes('Queue: 0 approval'), 'the refreshed queue');
    // Once moved, the selection follows its entry wherever the refresh puts it.
    expect(line('change-ci')).toMatch(/^›queued +change-ci/);
  });

  it('refuses an action the selected entry cannot take without asking', async () => {
    await press(['j', 'j'], (frame) => /›running +change-run/.test(frame), 'moves to the running entry');
    await press('a', (frame) => frame.includes('cannot approve change-run: it is running'), 'a is refused');
    await press('r', (frame) => frame.includes('cannot retry change-run: it is running'), 'r is refused');
  });

  it('retries a conflicted entry from the alerts pane and rejects a queued one', async () => {
    for (const pane of ['Workers', 'Agents', 'Task history', 'Alerts']) {
      await press(TAB, (frame) => frame.includes(`▸ ${pane}`), `Tab to ${pane}`);
    }
    expect(line('change-clash conflicted')).toContain('›change-clash');
    await press('r', (frame) => frame.includes('retry change-clash?'), 'r asks');
    await press('y', (frame) => frame.includes('sent change-clash back to the queue as tester'), 'y retries');
    expect((await seeded.store.requireEntry('change-clash')).state).toBe('queued');
    await waitFor(() => screen().includes('Alerts (1)'), 'one alert left');
    await press(
      [SHIFT_TAB, SHIFT_TAB, SHIFT_TAB, SHIFT_TAB],
      (frame) => frame.includes('▸ Queue'),
      'back to the queue',
    );
    // The retried entry is queued again, in submission order: before change-wait.
    await press(['j', 'j', 'j'], (frame) => /›queued +change-clash/.test(frame), 'to the retried entry');
    await press('j', (frame) => /›queued +change-wait/.test(frame), 'to the queued entry');
    await press('x', (frame) => frame.includes('reject change-wait: why?'), 'x asks why');
    await press('dup', (frame) => frame.includes('Esc cancels) dup▏'), 'typed');
    await press(ENTER, (frame) => frame.includes('rejected change-wait as tester: dup'), 'Enter rejects');
    expect((await seeded.store.requireEntry('change-wait')).state).toBe('rejected');
  });

  it('x asks for a reason — typed on the footer, Backspace edits, Esc cancels, Enter records it with the rejection', async () => {
    expect(line('change-lock')).toMatch(/^›approval +change-lock/);
    await press(
      'x',
      (frame) => frame.includes('reject change-lock: why? (Enter rejects, Esc cancels) ▏'),
      'x asks why',
    );
    // Keys that act elsewhere are text here: q does not quit, y does not confirm, a does not approve.
    await press(
      ['q', 'y', 'a'],
      (frame) => frame.includes('why? (Enter rejects, Esc cancels) qya▏'),
      'typed as text',
    );
    await press(ESCAPE, (frame) => frame.includes('reject cancelled'), 'Esc cancels');
    expect((await seeded.store.requireEntry('change-lock')).state).toBe('awaiting_approval');
    expect(
      (await seeded.store.listEvents({ entryId: 'change-lock' })).map((event) => event.type),
    ).not.toContain('entry:rejected');
    await press('x', (frame) => frame.includes('reject change-lock: why?'), 'x asks again');
    // A blank reason is not one: Enter leaves the question open.
    await press(
      [' ', ENTER],
      (frame) => frame.includes('reject change-lock: a reason is needed (Enter rejects, Esc cancels)  ▏'),
      'blank stays open',
    );
    expect((await seeded.store.requireEntry('change-lock')).state).toBe('awaiting_approval');
    await press(
      ['\u007f', 'lockfile bump nobody asked for', '\u007f', 'r'],
      (frame) => frame.includes('why? (Enter rejects, Esc cancels) lockfile bump nobody asked for▏'),
      'Backspace edits',
    );
    await press(
      ENTER,
      (frame) => frame.includes('rejected change-lock as tester: lockfile bump nobody asked for'),
      'Enter rejects',
    );
    expect((await seeded.store.requireEntry('change-lock')).state).toBe('rejected');
    expect((await seeded.store.listEvents({ entryId: 'change-lock' })).at(-1)).toMatchObject({
      type: 'entry:rejected',
      data: { by: 'tester', reason: 'lockfile bump nobody asked for' },
    });
  });

  it('pauses and resumes the queue', async () => {
    await press('p', (frame) => frame.includes('pause the queue'), 'p asks');
    await press('y', (frame) => frame.includes('PAUSED') && frame.includes('queue is paused'), 'y pauses');
    expect((await seeded.store.queueControls()).paused).toBe(true);
    await press('p', (frame) => frame.includes('resume the queue?'), 'p asks to resume');
    await press(
      'y',
      (frame) => frame.includes('queue resumed by tester') && !frame.includes('PAUSED'),
      'y resumes',
    );
    expect((await seeded.store.queueControls()).paused).toBe(false);
  });

  it('opens the selected entry with Enter — events, check output, conflict report, patch — and Esc goes back', async () => {
    await press(
      ['j', 'j', 'j', 'j', 'j'],
      (frame) => /›quarantine +change-broken/.test(frame),
      'the quarantined entry selected',
    );
    await press(ENTER, (frame) => frame.includes('Entry change-broken quarantined'), 'Enter opens it');
    const opened = screen();
    for (const text of [
      '── Entry',
      "last error: check 'test' failed: exited with 2",
      '── Events (',
      'entry:quarantined → quarantined [worker-2]',
      '── Check test failed (exit 2)',
      'assertion failed: 1 != 2',
    ]) {
      expect(opened).toContain(text);
    }
    await press(
      'G',
      (frame) => frame.includes('── Patch') && frame.includes('+change-broken'),
      'G shows the end: the patch',
    );
    await press(ESCAPE, (frame) => frame.includes('▸ Queue'), 'Esc goes back');
    await press('k', (frame) => /›conflict +change-clash/.test(frame), 'the conflicted entry');
    await press(
      ENTER,
      (frame) => frame.includes('── Conflict report') && frame.includes('✗ c.txt: patch failed: c.txt:1'),
      'its conflict report',
    );
  });
});

describe('DashboardApp without actions (hyperion run)', () => {
  it('says it is read-only instead of asking', async () => {
    const app = render(<DashboardApp model={sampleModel()} colors={false} />);
    const screen = () => stripAnsi(app.lastFrame() ?? '');
    await waitFor(() => screen().includes('change-risky'), 'the first frame');
    app.stdin.write('a');
    await waitFor(
      () => screen().includes('this dashboard is read-only: act from hyperion tui'),
      'the refusal',
    );
    app.stdin.write('p');
    await waitFor(() => !screen().includes('pause the queue'), 'no question');
    expect(screen()).toContain('this dashboard is read-only');
    app.unmount();
  });
});

describe('colorsWanted', () => {
  it('follows NO_COLOR: set and non-empty turns colors off', () => {
    expect(colorsWanted({})).toBe(true);
    expect(colorsWanted({ NO_COLOR: '' })).toBe(true);
    expect(colorsWanted({ NO_COLOR: '1' })).toBe(false);
  });
});
