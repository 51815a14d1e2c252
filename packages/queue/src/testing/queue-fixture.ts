import { join } from 'node:path';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import {
  HyperionConfigSchema,
  HyperionError,
  type ChangeRequest,
  type HyperionConfigInput,
} from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { MergeQueue, type MergeQueueOptions } from '../merge-queue.js';

/** A real repository, a real store file and a queue over both, for tests. */
export interface QueueFixture {
  temporary: TemporaryRepository;
  store: SqliteStore;
  queue: MergeQueue;
  worktreesDirectory: string;
  /** Makes another queue over the same repository and store file (a second process's view). */
  openAnotherQueue(overrides?: Partial<MergeQueueOptions>): MergeQueue;
  /**
   * Makes another queue over the same store connection as `store` (a board built on `store`
   * must be used by a queue on the same connection: a second connection of one process would
   * block the event loop in SQLite's busy wait while the first holds a transaction).
   */
  openQueue(overrides?: Partial<MergeQueueOptions>): MergeQueue;
  cleanup(): Promise<void>;
}

/** Quick settings for tests: short leases, fast retries. */
export function testConfig(input: HyperionConfigInput = {}) {
  return HyperionConfigSchema.parse({
    workers: 2,
    ...input,
    queue: {
      lease_ms: 5_000,
      heartbeat_ms: 500,
      backoff_base_ms: 10,
      backoff_max_ms: 20,
      poll_ms: 20,
      ...input.queue,
    },
  });
}

/** Creates a {@link QueueFixture}. */
export async function createQueueFixture(
  options: {
    files?: Record<string, string>;
    config?: HyperionConfigInput;
    clock?: () => number;
    dryRun?: boolean;
  } = {},
): Promise<QueueFixture> {
  const temporary = await createTemporaryRepository({ files: options.files });
  const databaseFile = join(temporary.root, '.hyperion', 'hyperion.db');
  const worktreesDirectory = join(temporary.root, '.hyperion', 'worktrees');
  const config = testConfig(options.config);
  const store = SqliteStore.open(databaseFile, { clock: options.clock, create: true });
  const extraStores: SqliteStore[] = [];
  const make = (overrides: Partial<MergeQueueOptions> = {}, ownStore = store): MergeQueue =>
    new MergeQueue({
      store: ownStore,
      repository: temporary.repository,
      config,
      worktreesDirectory,
      dryRun: options.dryRun,
      ...overrides,
    });
  return {
    temporary,
    store,
    queue: make(),
    worktreesDirectory,
    openQueue: (overrides) => make(overrides),
    openAnotherQueue: (overrides) => {
      const another = SqliteStore.open(databaseFile, { clock: options.clock });
      extraStores.push(another);
      return make(overrides, another);
    },
    cleanup: async () => {
      for (const extra of extraStores) await extra.close();
      await store.close();
      await temporary.cleanup();
    },
  };
}

/** A one-file replacement patch (git format) for a file whose whole content is `before`. */
export function replaceFilePatch(path: string, before: string, after: string): string {
  const oldLines = before.split('\n').slice(0, -1);
  const newLines = after.split('\n').slice(0, -1);
  return [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -1,${oldLines.length} +1,${newLines.length} @@`,
    ...oldLines.map((line) => `-${line}`),
    ...newLines.map((line) => `+${line}`),
    '',
  ].join('\n');
}

/** A patch creating `path` with `content`. */
export function newFilePatch(path: string, content: string): string {
  const lines = content.split('\n').slice(0, -1);
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    '--- /dev/null',
    `+++ b/${path}`,
    `@@ -0,0 +1,${lines.length} @@`,
    ...lines.map((line) => `+${line}`),
    '',
  ].join('\n');
}

/** A change request with one file change. */
export function changeRequest(
  taskId: string,
  path: string,
  patch: string,
  extra: Partial<ChangeRequest> = {},
): ChangeRequest {
  const operation = patch.includes('new file mode') ? 'create' : 'update';
  return { task_id: taskId, agent: 'test', changes: [{ path, operation, patch }], ...extra };
}

/** The HyperionError `run` is refused with; fails the test when it is not refused, or refused otherwise. */
export async function refusal(run: () => Promise<unknown>): Promise<HyperionError> {
  try {
    await run();
  } catch (error) {
    if (HyperionError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
