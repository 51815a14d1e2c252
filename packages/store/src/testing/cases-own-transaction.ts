import { describe, expect, it } from 'vitest';
import { HyperionError } from '@hyperion/schema';
import { conformanceEntry as entry } from './conformance-entries.js';
import type { ConformanceContext } from './store-conformance.js';

/** What `promise` was refused with: the HyperionError's code, or `no error`. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (HyperionError.isInstance(error)) return error.code;
    throw error;
  }
  return 'no error';
}

/**
 * Calling the store itself (not the transaction object) inside its own transaction would wait
 * for that transaction forever; every store refuses it at once with `internal`.
 */
export function describeOwnTransactionCases(context: ConformanceContext): void {
  describe('calling the store inside its own transaction', () => {
    it('is refused with internal, and the transaction rolls back', async () => {
      const { store } = context;
      await store.enqueue(entry('before', ['b.txt']));
      let inner = 'not called';
      const outer = await refusal(
        store.transaction(async (transaction) => {
          await transaction.enqueue(entry('inside', ['i.txt']));
          inner = await refusal(store.listEntries());
          // The work goes on as a careless caller's would, and the refusal is thrown to the end.
          await store.getEntry('before');
        }),
      );
      expect(inner).toBe('internal');
      expect(outer).toBe('internal');
      expect((await store.listEntries()).map((queued) => queued.id)).toEqual(['before']);
    });

    it('is refused for a nested transaction and a write too, and the store works after', async () => {
      const { store } = context;
      const codes: string[] = [];
      await store.transaction(async () => {
        codes.push(await refusal(store.transaction(() => Promise.resolve())));
        codes.push(await refusal(store.enqueue(entry('nested', ['n.txt']))));
      });
      expect(codes).toEqual(['internal', 'internal']);
      await store.enqueue(entry('after', ['a.txt']));
      expect((await store.listEntries()).map((queued) => queued.id)).toEqual(['after']);
    });
  });
}
