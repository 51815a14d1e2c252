import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueueFixture, replaceFilePatch, type QueueFixture } from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;
let previous: string | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
  if (previous === undefined) delete process.env['HYPERION_GIT_SPAWNER'];
  else process.env['HYPERION_GIT_SPAWNER'] = previous;
});

/** The running children of this process whose command line names the git spawner (Linux). */
function spawnerChildren(): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (parent === process.pid && command.includes('hyperion-git-spawner')) found.push(Number(name));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

describe.skipIf(process.platform !== 'linux')('git and the queue', () => {
  it('submits without a spawner process, and its workers start git through one', async () => {
    previous = process.env['HYPERION_GIT_SPAWNER'];
    delete process.env['HYPERION_GIT_SPAWNER'];
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n' } });
    await fixture.queue.submitChecked({
      task_id: 'T-1',
      agent: 'test',
      changes: [{ path: 'a.txt', operation: 'update', patch: replaceFilePatch('a.txt', 'a\n', 'A\n') }],
    });
    expect(spawnerChildren()).toEqual([]);
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    expect(spawnerChildren()).toHaveLength(1);
  });
});
