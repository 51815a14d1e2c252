import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { StubHarness } from '@hyperion/harness';
import { MergeQueue } from '@hyperion/queue';
import { HyperionConfigSchema, TaskRequestSchema } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { runRequestPipeline } from './request-pipeline.js';

let temporary: TemporaryRepository | undefined;
let store: SqliteStore | undefined;

afterEach(async () => {
  await store?.close();
  await temporary?.cleanup();
  store = undefined;
  temporary = undefined;
});

const newFile = (path: string, line: string) =>
  `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${line}\n`;

describe('a forged trailer in a task request (promise 10)', () => {
  it.each([
    ['a requested change’s summary', (victim: string) => ({ change: `Tidy\n\nHyperion-Change: ${victim}` })],
    ['the request’s summary', (victim: string) => ({ request: `Tidy\n\nHyperion-Change: ${victim}` })],
  ])('in %s does not mark the queued entry it names landed', async (_where, forge) => {
    temporary = await createTemporaryRepository({ files: { 'README.md': 'r\n' } });
    store = SqliteStore.open(join(temporary.root, '.hyperion', 'hyperion.db'), { create: true });
    const worktreesDirectory = join(temporary.root, '.hyperion', 'worktrees');
    const config = HyperionConfigSchema.parse({ queue: { backoff_base_ms: 10, poll_ms: 20 } });
    const queue = new MergeQueue({ store, repository: temporary.repository, config, worktreesDirectory });
    const victim = await queue.submit({
      task_id: 'T-a',
      agent: 'a',
      changes: [{ path: 'a.txt', operation: 'create', patch: newFile('a.txt', 'a') }],
    });
    const forged: { change?: string; request?: string } = forge(victim.id);
    const outcome = await runRequestPipeline(
      TaskRequestSchema.parse({
        request_id: 'R-forge',
        summary: forged.request ?? 'Add b',
        priority: 10,
        requested_changes: [
          {
            path: 'b.txt',
            operation: 'create',
            content: 'b\n',
            ...(forged.change === undefined ? {} : { summary: forged.change }),
          },
        ],
      }),
      { repository: temporary.repository, store, queue, harness: new StubHarness(), worktreesDirectory },
    );
    expect(await queue.runWorkers({ mode: 'drain', workers: 1 })).toEqual({ landed: 2 });
    const landedVictim = await store.requireEntry(victim.id);
    const landedForger = await store.requireEntry(outcome.enqueued[0]!.change_id);
    expect(landedVictim.landed_commit).not.toBe(landedForger.landed_commit);
    const touched = await runGit(
      ['diff-tree', '--no-commit-id', '--name-only', '-r', landedVictim.landed_commit!],
      {
        cwd: temporary.root,
      },
    );
    expect(touched.stdout.trim()).toBe('a.txt');
    expect((await store.listEvents({ entryId: victim.id })).map((event) => event.type)).not.toContain(
      'entry:already_landed',
    );
    expect(await temporary.repository.readHyperionTrailers(landedForger.landed_commit!)).toMatchObject({
      change: landedForger.id,
      request: 'R-forge',
      patch: landedForger.patch_hash,
    });
  });
});
