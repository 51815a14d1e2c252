import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeStoreConformance } from './testing/index.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { SqliteStore } from './sqlite-store.js';

// The embedded store passes the same suite as every other store: a fresh file per test.
describeStoreConformance('SQLite', ({ clock }) => {
  const directory = temporaryDirectory('hyperion-sqlite-conformance');
  const path = join(directory, 'hyperion.db');
  return Promise.resolve({
    store: SqliteStore.open(path, { create: true, clock }),
    openAnother: () => Promise.resolve(SqliteStore.open(path, { clock })),
    childProcess: {
      module: fileURLToPath(new URL('../test/child-store.mjs', import.meta.url)),
      argument: path,
    },
    destroy: () => rm(directory, { recursive: true, force: true }),
  });
});
