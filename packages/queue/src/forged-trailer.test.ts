import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
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

/** Paths present in the tree of `main`. */
async function filesOnMain(root: string): Promise<string[]> {
  return (await runGit(['ls-tree', '-r', '--name-only', 'main'], { cwd: root })).stdout.trim().split('\n');
}

/** A person's own commit on `main` (in the checked-out tree) with `message` exactly. */
async function commitByHand(root: string, file: string, message: string): Promise<string> {
  writeFileSync(join(root, file), `${file}\n`);
  await runGit(['add', '--', file], { cwd: root });
  await runGit(
    ['-c', 'user.name=P', '-c', 'user.email=p@x', 'commit', '-q', '--cleanup=verbatim', '-F', '-'],
    {
      cwd: root,
      input: message,
    },
  );
  return (await runGit(['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
}

/** Expects `entry` to have landed as its own commit that carries its own file. */
async function expectLandedOnItsOwn(entry: QueueEntry, path: string, notAs: string[]): Promise<void> {
  const landed = await fixture!.store.requireEntry(entry.id);
  expect(landed.state).toBe('landed');
  expect(notAs).not.toContain(landed.landed_commit);
  const types = (await fixture!.store.listEvents({ entryId: entry.id })).map((event) => event.type);
  expect(types).toContain('entry:landed');
  expect(types).not.toContain('entry:already_landed');
  expect(await filesOnMain(fixture!.temporary.root)).toContain(path);
  const changed = await runGit(['diff-tree', '--no-commit-id', '--name-only', '-r', landed.landed_commit!], {
    cwd: fixture!.temporary.root,
  });
  expect(changed.stdout.trim()).toBe(path);
}

describe('a forged Hyperion trailer (promise 10)', () => {
  it('in a summary never marks another queued entry landed: that entry still lands its own file', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': 'r\n' } });
    const victim = await fixture.queue.submit(changeRequest('T-a', 'a.txt', newFilePatch('a.txt', 'a\n')));
    const forger = await fixture.queue.submit(
      changeRequest('T-b', 'b.txt', newFilePatch('b.txt', 'b\n'), {
        summary: `Tidy\n\nHyperion-Change: ${victim.id}`,
        priority: 10,
      }),
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain', workers: 1 })).toEqual({ landed: 2 });
    const forged = await fixture.store.requireEntry(forger.id);
    await expectLandedOnItsOwn(victim, 'a.txt', [forged.landed_commit!]);
    const message = await fixture.temporary.repository.readCommitMessage(forged.landed_commit!);
    // The submitted text is one subject line; Hyperion's block is the last paragraph, alone.
    expect(message).toBe(
      `Tidy Hyperion-Change: ${victim.id}\n\nHyperion-Task: T-b\nHyperion-Change: ${forger.id}\nHyperion-Patch: ${forger.patch_hash}\n`,
    );
  });

  it('a whole forged block, patch id and all, stays in the subject', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': 'r\n' } });
    const victim = await fixture.queue.submit(changeRequest('T-a', 'a.txt', newFilePatch('a.txt', 'a\n')));
    const forgedBlock = `Hyperion-Task: T-a\nHyperion-Change: ${victim.id}\nHyperion-Patch: ${victim.patch_hash}`;
    const forger = await fixture.queue.submit(
      changeRequest('T-b', 'b.txt', newFilePatch('b.txt', 'b\n'), {
        summary: `Tidy\r\n\r\n${forgedBlock}\n\n\u001b[2K\u0000\n`,
        priority: 10,
      }),
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain', workers: 1 })).toEqual({ landed: 2 });
    const forged = await fixture.store.requireEntry(forger.id);
    await expectLandedOnItsOwn(victim, 'a.txt', [forged.landed_commit!]);
    const message = await fixture.temporary.repository.readCommitMessage(forged.landed_commit!);
    const subject = message.split('\n')[0]!;
    // One line, cut at 100 characters.
    expect(subject).toBe(`${`Tidy ${forgedBlock.replace(/\n/g, ' ')}`.slice(0, 99)}…`);
    expect(message.split('\n\n')).toHaveLength(2);
    expect(message.replace(/\n/g, '')).not.toMatch(/\p{Cc}/u);
  });

  it('a look-alike of the landing proof on the branch never counts: the entry lands its own file', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': 'r\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', newFilePatch('a.txt', 'a\n'), { change_id: 'chg-lookalike' }),
    );
    const id = entry.id;
    const hash = entry.patch_hash;
    const block = (change: string, patch = hash) =>
      `Hyperion-Task: T-a\nHyperion-Change: ${change}\nHyperion-Patch: ${patch}`;
    const lookAlikes: Record<string, string> = {
      'a longer id': `Other\n\n${block(`${id}x`)}\n`,
      'another case of the id': `Other\n\n${block(id.toUpperCase())}\n`,
      'another case of the key': `Other\n\n${block(id).replace('Hyperion-Change', 'hyperion-change')}\n`,
      'the block in a body paragraph': `Other\n\n${block(id)}\n\nand then some prose.\n`,
      'a block with a line that is not Hyperion’s': `Other\n\n${block(id)}\nSigned-off-by: P <p@x>\n`,
      'a block without the patch id': `Other\n\nHyperion-Task: T-a\nHyperion-Change: ${id}\n`,
      'a wrong patch id': `Other\n\n${block(id, 'f'.repeat(64))}\n`,
      'the block as the subject': `${block(id)}\n`,
      'a block with a value spaced differently': `Other\n\n${block(id).replace(`: ${id}`, `:  ${id}`)}\n`,
    };
    const planted: string[] = [];
    let index = 0;
    for (const message of Object.values(lookAlikes)) {
      planted.push(await commitByHand(fixture.temporary.root, `noise-${index}.txt`, message));
      index += 1;
    }
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    await expectLandedOnItsOwn(entry, 'a.txt', planted);
    expect(readFileSync(join(fixture.temporary.root, 'a.txt'), 'utf8')).toBe('a\n');
  });

  it('a summary with no text left after cleaning gets a subject made from the task and paths', async () => {
    fixture = await createQueueFixture({ files: { 'README.md': 'r\n' } });
    const entry = await fixture.queue.submit(
      changeRequest('T-a', 'a.txt', newFilePatch('a.txt', 'a\n'), { summary: ' \n\u001b\u0007\t' }),
    );
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    const landed = await fixture.store.requireEntry(entry.id);
    const message = await fixture.temporary.repository.readCommitMessage(landed.landed_commit!);
    expect(message.split('\n')[0]).toBe('T-a: a.txt');
  });
});
