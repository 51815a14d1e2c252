import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueueFixture, type QueueFixture } from './testing/queue-fixture.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('reclaiming the worktrees of dead workers', () => {
  it("removes a dead worker's probe worktree with its own, and leaves a live one's alone", async () => {
    fixture = await createQueueFixture({ files: { 'a.txt': 'a\n' } });
    const { temporary, queue, worktreesDirectory } = fixture;
    const base = await temporary.repository.requireBranch('main');
    // A pid that cannot be running (above Linux's pid_max limit).
    const dead = `${hostname()}-4194305-1-pabc123`;
    const live = queue.createWorker();
    for (const name of [dead, `${dead}-probe`, live.id, `${live.id}-probe`]) {
      await temporary.repository.addWorktree(join(worktreesDirectory, name), base);
    }
    const reclaimed = await queue.reclaimStaleWorktrees();
    expect(reclaimed.map((path) => path.slice(worktreesDirectory.length + 1)).sort()).toEqual([
      dead,
      `${dead}-probe`,
    ]);
    const left = (await temporary.repository.listWorktrees()).map((worktree) => worktree.path);
    expect(left).toContain(live.worktreePath);
    expect(left).toContain(live.probeWorktreePath);
  });
});
