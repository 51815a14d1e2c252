import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { HyperionError, type QueueEntry } from '@hyperion/schema';
import { LeaseKeeper } from './lease-keeper.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  testConfig,
  type QueueFixture,
} from './testing/queue-fixture.js';
import { silentLogger, type QueueRuntime } from './runtime.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('a published candidate is always withdrawn', () => {
  it('even when settling an entry of its batch that did not apply fails (the next worker is not held up)', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' },
      config: {
        checks: [{ name: 'ok', command: 'true' }],
        queue: { strategy: { name: 'batch', max_batch: 2 } },
      },
    });
    const { queue, store } = fixture;
    const a = await queue.submit(changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')));
    const b = await queue.submit(changeRequest('T-b', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'B\n')));
    // A person's commit changes b.txt behind the queue: b's patch no longer applies, so the batch
    // settles it as conflicted after publishing a's candidate.
    const root = fixture.temporary.root;
    writeFileSync(join(root, 'b.txt'), 'changed behind the queue\n');
    await runGit(['commit', '-qam', 'a person edits b.txt'], { cwd: root });
    const transition = store.transition.bind(store);
    let failed = false;
    store.transition = (async (id, change) => {
      if (change.type === 'entry:conflicted' && !failed) {
        failed = true;
        throw new HyperionError('store_unreachable', 'the store did not answer (injected)');
      }
      return transition(id, change);
    }) as typeof store.transition;
    const first = queue.createWorker('w1');
    const outcome = await first.processNextCandidate().catch((error: unknown) => error);
    store.transition = transition;
    expect(failed, 'the injected failure happened').toBe(true);
    expect(HyperionError.isInstance(outcome) && outcome.code).toBe('store_unreachable');
    expect(await store.listCandidates('main'), 'no candidate left behind').toEqual([]);
    // The entries were handed back; the next worker lands a without waiting on a dead candidate.
    const next = await queue.createWorker('w2').processNextCandidate();
    expect(next).toContain('landed');
    expect((await store.requireEntry(a.id)).state).toBe('landed');
    expect((await store.requireEntry(b.id)).state).toBe('conflicted');
    await first.dispose();
  });
});

describe('an unexpected error after a batch landed', () => {
  it('marks the entries already on the branch landed instead of charging them for the error', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
      config: {
        checks: [{ name: 'ok', command: 'true' }],
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 2 } },
      },
    });
    const { queue, store } = fixture;
    const a = await queue.submit(changeRequest('T-a', 'a.txt', replaceFilePatch('a.txt', 'a\n', 'A\n')));
    const b = await queue.submit(changeRequest('T-b', 'b.txt', replaceFilePatch('b.txt', 'b\n', 'B\n')));
    const transition = store.transition.bind(store);
    let landings = 0;
    store.transition = (async (id, change) => {
      // The second landing transition of the batch fails with an error Hyperion did not foresee.
      if (change.type === 'entry:landed' && (landings += 1) === 2) throw new Error('disk hiccup (injected)');
      return transition(id, change);
    }) as typeof store.transition;
    const worker = queue.createWorker('w1');
    await worker.processNextCandidate().catch(() => undefined);
    store.transition = transition;
    expect(landings).toBe(2);
    const states = [(await store.requireEntry(a.id)).state, (await store.requireEntry(b.id)).state];
    expect(states).toEqual(['landed', 'landed']);
    const types = (await store.listEvents()).map((event) => event.type);
    expect(types).toContain('entry:already_landed');
    expect(types).not.toContain('entry:quarantined');
    await worker.dispose();
  });
});

describe('LeaseKeeper', () => {
  it('does not count the lease of an entry the worker finished during a renewal round as lost', async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
    const { store } = fixture;
    let releaseFirst!: () => void;
    const firstRenewal = new Promise<void>((resolve) => (releaseFirst = resolve));
    const finished = new Set<string>();
    const slowStore = {
      ...store,
      renewLease: async (id: string): Promise<boolean> => {
        if (id === 'e1') await firstRenewal;
        return !finished.has(id);
      },
    };
    const runtime = {
      store: slowStore,
      config: testConfig({ queue: { heartbeat_ms: 60_000 } }),
      logger: silentLogger,
    } as unknown as QueueRuntime;
    const keeper = new LeaseKeeper(runtime, 'w1');
    try {
      keeper.keep({ id: 'e1' } as QueueEntry);
      keeper.keep({ id: 'e2' } as QueueEntry);
      const renewal = keeper.renewAll();
      // The worker lands e2 while e1's renewal is still on its way.
      finished.add('e2');
      keeper.release('e2');
      releaseFirst();
      expect(await renewal).toBe(true);
      expect(keeper.signal.aborted).toBe(false);
      expect(keeper.mayHaveLost('e2')).toBe(false);
    } finally {
      keeper.stop();
    }
  });
});
