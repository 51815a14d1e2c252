import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conformanceEntry, describeStoreConformance } from '@hyperion/store/testing';
import { openCountingStore } from '../src/index.js';

const childModule = fileURLToPath(new URL('../dist/open-counting-store.js', import.meta.url));

// Every promise of the store interface, each with cases that try to break it: a fresh file per test.
describeStoreConformance('counting wrapper over SQLite', ({ clock }) => {
  const directory = mkdtempSync(join(tmpdir(), 'counting-store-'));
  const path = join(directory, 'hyperion.db');
  return Promise.resolve({
    store: openCountingStore(path, { create: true, clock }),
    openAnother: () => Promise.resolve(openCountingStore(path, { clock })),
    childProcess: { module: childModule, argument: path },
    destroy: () => Promise.resolve(rmSync(directory, { recursive: true, force: true })),
  });
});

describe('CountingStore', () => {
  it('counts each call by method while the inner store does the work', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'counting-store-'));
    const store = openCountingStore(join(directory, 'hyperion.db'), { create: true });
    try {
      await store.enqueue(conformanceEntry('chg-1', ['a.txt']));
      await store.enqueue(conformanceEntry('chg-2', ['b.txt']));
      const leased = await store.leaseNext('worker-1', 60_000);
      expect(leased?.id).toBe('chg-1');
      expect(await store.countByState()).toEqual({ queued: 1, running: 1 });
      expect([store.count('enqueue'), store.count('leaseNext'), store.count('countByState')]).toEqual([
        2, 1, 1,
      ]);
      expect(store.count('transition')).toBe(0);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
