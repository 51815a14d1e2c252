import { describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { compareEntries, replayQueueState } from '../replay.js';
import type { HyperionStore } from '../store-interface.js';
import { conformanceEntry as entry, landEntry } from './conformance-entries.js';
import type { ConformanceContext } from './store-conformance.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (HyperionError.isInstance(error)) return error.code;
    throw error;
  }
  return 'no error';
}

/** Replays the store's events and compares them with its entries. */
export async function replayDifferences(store: HyperionStore): Promise<unknown[]> {
  return compareEntries(await store.listEntries(), replayQueueState(await store.listEvents()));
}

/** Transitions and their events, transactions, duplicates, requests, redaction, export and import. */
export function describeRecordCases(context: ConformanceContext): void {
  describe('every transition writes its event in the same transaction', () => {
    it('writes the enqueue event with the entry, and nothing for a refused transition', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt']));
      expect((await store.listEvents()).map((event) => [event.entry_id, event.type, event.to_state])).toEqual(
        [['a', 'entry:enqueued', 'queued']],
      );
      expect(
        await codeOf(store.transition('a', { from: 'running', to: 'landed', type: 'entry:landed' })),
      ).toBe('invalid_state');
      expect(
        await codeOf(
          store.transition('missing', { from: 'queued', to: 'cancelled', type: 'entry:cancelled' }),
        ),
      ).toBe('not_found');
      expect(await codeOf(store.requireEntry('missing'))).toBe('not_found');
      expect(await store.getEntry('missing')).toBeUndefined();
      expect(await store.listEvents()).toHaveLength(1);
      expect((await store.requireEntry('a')).state).toBe('queued');
    });

    it('rolls back every change and event of a transaction that throws', async () => {
      const { store } = context;
      await store.enqueue(entry('kept', ['k.txt']));
      const failure = new Error('the work failed');
      await expect(
        store.transaction(async (transaction) => {
          await transaction.enqueue(entry('lost', ['l.txt']));
          await transaction.transition('kept', {
            from: 'queued',
            to: 'cancelled',
            type: 'entry:cancelled',
            data: { by: 'x' },
          });
          await transaction.insertRequest({ id: 'R-lost', summary: 'lost', status: 'received', body: {} });
          expect((await transaction.requireEntry('kept')).state).toBe('cancelled');
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.getEntry('lost')).toBeUndefined();
      expect(await store.hasSubmission('lost', 'task-lost', entry('lost', []).patch_hash)).toBe(false);
      expect((await store.requireEntry('kept')).state).toBe('queued');
      expect(await store.getRequest('R-lost')).toBeUndefined();
      expect((await store.listEvents()).map((event) => event.entry_id)).toEqual(['kept']);
    });

    it('commits the work of a transaction together and returns its result', async () => {
      const { store } = context;
      const result = await store.transaction(async (transaction) => {
        await transaction.insertRequest({ id: 'R-1', summary: 'one', status: 'received', body: { n: 1 } });
        await transaction.insertAssignment({
          task_id: 'T-1',
          request_id: 'R-1',
          summary: 'do',
          status: 'planned',
          body: {},
        });
        const queued = await transaction.enqueue(
          entry('c', ['c.txt'], { request_id: 'R-1', task_id: 'T-1' }),
        );
        await transaction.updateRequest('R-1', 'enqueued');
        return queued.id;
      });
      expect(result).toBe('c');
      expect((await store.getRequest('R-1'))?.status).toBe('enqueued');
      expect((await store.listAssignments('R-1')).map((assignment) => assignment.task_id)).toEqual(['T-1']);
      expect((await store.listEntries({ requestId: 'R-1' })).map((queued) => queued.id)).toEqual(['c']);
    });
  });

  describe('duplicates', () => {
    it('refuses the same id, and the same task with the same patch, as duplicate', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt']));
      expect(await codeOf(store.enqueue(entry('a', ['other.txt'], { patch_hash: 'f'.repeat(64) })))).toBe(
        'duplicate',
      );
      expect(
        await codeOf(
          store.enqueue(entry('b', ['a.txt'], { task_id: 'task-a', patch_hash: entry('a', []).patch_hash })),
        ),
      ).toBe('duplicate');
      expect(await store.hasSubmission('a', 'x', 'y')).toBe(true);
      expect(await store.hasSubmission('b', 'task-a', entry('a', []).patch_hash)).toBe(true);
      expect(await store.hasSubmission('b', 'task-b', entry('b', []).patch_hash)).toBe(false);
      expect(await store.listEntries()).toHaveLength(1);
      expect(await store.listEvents()).toHaveLength(1);
      await store.insertRequest({ id: 'R-1', summary: 'one', status: 'received', body: {} });
      expect(
        await codeOf(store.insertRequest({ id: 'R-1', summary: 'again', status: 'received', body: {} })),
      ).toBe('duplicate');
    });
  });

  describe('requests, assignments and runs', () => {
    it('keeps them, and forgets only a failed request with no queue entries', async () => {
      const { store } = context;
      await store.insertRequest({ id: 'R-1', summary: 'one', status: 'received', body: { text: 'é' } });
      await store.insertAssignment({
        task_id: 'T-1',
        request_id: 'R-1',
        summary: 'a',
        status: 'planned',
        body: { n: 1 },
      });
      await store.insertAssignment({
        task_id: 'T-2',
        request_id: 'R-1',
        summary: 'b',
        status: 'planned',
        body: { n: 2 },
      });
      await store.updateAssignment('T-2', 'failed', 'agent failed');
      const runId = await store.recordAssignmentRun({
        request_id: 'R-1',
        task_id: 'T-1',
        role: 'developer',
        harness: 'stub',
        status: 'ok',
        input_tokens: 10,
        output_tokens: 5,
        cost_usd: 0.25,
        credits: null,
        duration_ms: 12.4,
        change_id: null,
        error: null,
      });
      expect(typeof runId).toBe('number');
      expect((await store.getRequest('R-1'))?.body).toEqual({ text: 'é' });
      expect(
        (await store.listAssignments('R-1')).map((item) => [item.task_id, item.status, item.error]),
      ).toEqual([
        ['T-1', 'planned', null],
        ['T-2', 'failed', 'agent failed'],
      ]);
      expect(
        (await store.listAssignmentRuns({ taskId: 'T-1' })).map((run) => [
          run.id,
          run.duration_ms,
          run.cost_usd,
        ]),
      ).toEqual([[runId, 12, 0.25]]);
      expect(await codeOf(store.removeFailedRequest('R-1'))).toBe('invalid_state');
      await store.updateRequest('R-1', 'failed', 'planning failed');
      await store.removeFailedRequest('R-1');
      expect(await store.getRequest('R-1')).toBeUndefined();
      expect(await store.listAssignments('R-1')).toEqual([]);
      await store.insertRequest({ id: 'R-1', summary: 'again', status: 'received', body: {} });
      await store.insertRequest({ id: 'R-2', summary: 'two', status: 'received', body: {} });
      expect((await store.listRequests()).map((request) => request.id)).toHaveLength(2);
    });
  });

  describe('secrets never reach the store (promise 11)', () => {
    it("redacts the process's secret values from events and last_error", async () => {
      const token = 'svc-conformance-0e1d2c3b4a59';
      const saved = process.env['MY_SERVICE_TOKEN'];
      process.env['MY_SERVICE_TOKEN'] = token;
      try {
        const store = await context.freshStore();
        await store.enqueue(entry('a', ['a.txt'], { event_data: { note: `token ${token}` } }));
        const leased = await store.leaseNext('w1', 60_000, 'main');
        await store.recordEvent('a', 'check:failed', { output: `env: MY_SERVICE_TOKEN=${token}` }, 'w1');
        await store.transition('a', {
          from: 'running',
          owner: 'w1',
          to: 'quarantined',
          type: 'entry:quarantined',
          data: { reason: `failed with ${token}` },
          set: { last_error: `failed with ${token}` },
        });
        expect(leased?.id).toBe('a');
        expect(JSON.stringify(await store.listEvents())).not.toContain(token);
        expect((await store.requireEntry('a')).last_error).not.toContain(token);
      } finally {
        if (saved === undefined) delete process.env['MY_SERVICE_TOKEN'];
        else process.env['MY_SERVICE_TOKEN'] = saved;
      }
    });
  });

  describe('export and import', () => {
    it('restores the submissions and events into an empty store, which replays to the same state', async () => {
      const { store } = context;
      await store.enqueue(entry('a', ['a.txt'], { change_request: { id: 'a', z: 1, a: 2 } }));
      await store.enqueue(entry('b', ['a.txt']));
      await store.enqueue(entry('c', ['c.txt'], { state: 'awaiting_approval' }));
      await store.leaseNext('w1', 60_000, 'main');
      await landEntry(store, 'a', 'w1');
      const submissions = await store.listSubmissions();
      const events = await store.listEvents();
      expect(submissions.map((submission) => submission.entry.id)).toEqual(['a', 'b', 'c']);
      expect(submissions[0]?.change_request).toEqual({ id: 'a', z: 1, a: 2 });
      const restored = await context.freshStore();
      await restored.importLog({ submissions, events });
      expect(await restored.listEvents()).toEqual(events);
      expect(await restored.listEntries()).toEqual(await store.listEntries());
      expect(await replayDifferences(restored)).toEqual([]);
      expect((await restored.leaseNext('w2', 60_000, 'main'))?.id).toBe('b');
      expect(await codeOf(restored.importLog({ submissions, events }))).toBe('invalid_state');
    });
  });
}
