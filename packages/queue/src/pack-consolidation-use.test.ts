import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACK_LIMIT, runGit } from '@hyperion/git';
import {
  changeRequest,
  createQueueFixture,
  newFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

function packsOf(gitDirectory: string): string[] {
  return readdirSync(join(gitDirectory, 'objects', 'pack')).filter((name) => name.endsWith('.pack'));
}

describe('the queue and its packs', () => {
  it('writes a batch as one pack, and merges the small packs once there are more than git lets accumulate', async () => {
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n' },
      config: { queue: { strategy: { name: 'batch' } } },
    });
    const { temporary, queue } = fixture;
    const { root, repository } = temporary;
    const gitDirectory = repository.gitDirectory;
    // As many small packs as batches would leave: each holds one object of its own.
    for (let index = 0; index < PACK_LIMIT; index += 1) {
      const blob = await runGit(['hash-object', '-w', '--stdin'], { cwd: root, input: `blob ${index}\n` });
      await runGit(['pack-objects', '-q', join(gitDirectory, 'objects', 'pack', 'pack')], {
        cwd: root,
        input: blob.stdout,
      });
    }
    expect(packsOf(gitDirectory)).toHaveLength(PACK_LIMIT);
    for (const name of ['one', 'two', 'three']) {
      await queue.submitChecked(
        changeRequest(`T-${name}`, `${name}.txt`, newFilePatch(`${name}.txt`, `${name}\n`)),
      );
    }
    // One worker, one batch of three: one pack more (the chain's trees and commits), past the limit.
    expect(await queue.runWorkers({ mode: 'drain', workers: 1 })).toEqual({ landed: 3 });
    const packs = packsOf(gitDirectory);
    expect(packs.length).toBeLessThan(PACK_LIMIT / 2);
    expect((await runGit(['fsck', '--no-dangling'], { cwd: root })).exitCode).toBe(0);
    const log = await runGit(['log', '--format=%s', 'main'], { cwd: root });
    expect(log.stdout.split('\n').filter(Boolean)).toHaveLength(4);
  });
});
