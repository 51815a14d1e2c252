import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { observeGitCommands, runGit } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { ProcessSpeculationBoard } from './speculation.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';
import { waitFor } from './testing/wait-for.js';

let fixture: QueueFixture | undefined;

afterEach(async () => {
  observeGitCommands(undefined);
  await fixture?.cleanup();
  fixture = undefined;
});

describe('a batch applied ahead of its build turn', () => {
  it('is built in the turn on the candidate published meanwhile without another git apply, stacked and landed', async () => {
    const gate = join(temporaryDirectory('hyperion-gate'), 'open');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n', 'd.txt': 'd\n' },
      config: {
        // The first batch (a, b) is checked until the gate opens: the second is stacked on it.
        checks: [
          {
            name: 'gated',
            command: `grep -q A a.txt || exit 0; while [ ! -f ${gate} ]; do sleep 0.02; done`,
          },
        ],
        queue: { max_attempts: 1, strategy: { name: 'batch', max_batch: 2, batch_wait_ms: 0 } },
      },
    });
    const tip = await fixture.temporary.repository.requireBranch('main');
    const board = new ProcessSpeculationBoard();
    const queue = fixture.openQueue({ speculation: board });
    const entries: QueueEntry[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      const path = `${name}.txt`;
      entries.push(
        await queue.submit(
          changeRequest(`T-${name}`, path, replaceFilePatch(path, `${name}\n`, `${name.toUpperCase()}\n`)),
        ),
      );
    }
    const applies: string[] = [];
    observeGitCommands(({ args }) => {
      if (args[0] === 'apply') applies.push(args.join(' '));
    });
    // The turn is held while both workers lease and apply their batches ahead: both on the tip.
    const releaseTurn = await board.takeBuildTurn('test');
    const leased = async (id: string) =>
      (await fixture!.store.listEvents({ entryId: id })).some((event) => event.type === 'entry:leased');
    const first = queue.createWorker('first');
    const second = queue.createWorker('second');
    const firstOutcomes = first.processNextCandidate();
    await waitFor(async () => (await leased(entries[1]!.id)) && applies.length === 1);
    const secondOutcomes = second.processNextCandidate();
    await waitFor(async () => (await leased(entries[3]!.id)) && applies.length === 2);
    // Both in a throw-away index (the worktrees are not written before the build).
    expect(applies.every((command) => command.startsWith('apply --cached'))).toBe(true);
    await releaseTurn();
    const committed = async (id: string) =>
      (await fixture!.store.listEvents({ entryId: id })).find((event) => event.type === 'entry:committed');
    await waitFor(async () => (await committed(entries[3]!.id)) !== undefined);
    writeFileSync(`${gate}.part`, '');
    renameSync(`${gate}.part`, gate);
    expect([...(await firstOutcomes), ...(await secondOutcomes)]).toEqual([
      'landed',
      'landed',
      'landed',
      'landed',
    ]);
    await first.dispose();
    await second.dispose();
    // No apply in either turn: the first built where it applied, the second carried over.
    expect(applies).toHaveLength(2);
    const firstHead = (await committed(entries[1]!.id))!.data['commit'];
    const secondBase = (await committed(entries[2]!.id))!.data;
    expect(secondBase['parent']).toBe(firstHead);
    expect(secondBase['speculative']).toBe(true);
    expect((await committed(entries[0]!.id))!.data['parent']).toBe(tip);
    const root = fixture.temporary.root;
    const landed = await fixture.temporary.repository.requireBranch('main');
    expect((await fixture.store.requireEntry(entries[3]!.id)).landed_commit).toBe(landed);
    const files = await Promise.all(
      ['a', 'b', 'c', 'd'].map(
        async (name) => (await runGit(['show', `${landed}:${name}.txt`], { cwd: root })).stdout,
      ),
    );
    expect(files).toEqual(['A\n', 'B\n', 'C\n', 'D\n']);
    // Each entry's commit changes its own file only.
    for (const [index, entry] of entries.entries()) {
      const commit = String((await committed(entry.id))!.data['commit']);
      const changed = (
        await runGit(['diff-tree', '--no-commit-id', '--name-only', '-r', commit], { cwd: root })
      ).stdout;
      expect(changed.trim()).toBe(`${'abcd'[index]}.txt`);
    }
    expect((await runGit(['fsck', '--strict', '--no-dangling'], { cwd: root })).exitCode).toBe(0);
  });
});
