import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHyperionTrailers } from '@hyperion/git';
import type { QueueEntry } from '@hyperion/schema';
import { commitSubject, entryCommitMessage, SUBJECT_MAX_CHARACTERS } from './commit-message.js';
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

const PATCH = 'c'.repeat(64);

function entry(fields: Partial<QueueEntry>): QueueEntry {
  return {
    id: 'chg-1',
    task_id: 'T-1',
    request_id: null,
    summary: 'Do it',
    paths: ['a.txt'],
    patch_hash: PATCH,
    ...fields,
  } as QueueEntry;
}

describe('commitSubject', () => {
  it('makes the summary one line of plain text', () => {
    expect(commitSubject(entry({ summary: '  Tidy\r\n\r\nHyperion-Change: chg-2\tnow ' }))).toBe(
      'Tidy Hyperion-Change: chg-2 now',
    );
    expect(commitSubject(entry({ summary: 'a\u001b[2Kb\u0000c\u007fd\u009be\u202eg\u200bh\u2028i' }))).toBe(
      'a[2Kbcdegh i',
    );
  });

  it(`cuts a long summary at ${SUBJECT_MAX_CHARACTERS} characters without splitting a character`, () => {
    const subject = commitSubject(entry({ summary: '😀'.repeat(150) }));
    expect(Array.from(subject)).toHaveLength(SUBJECT_MAX_CHARACTERS);
    expect(subject.endsWith('😀…')).toBe(true);
    expect(commitSubject(entry({ summary: 'x'.repeat(SUBJECT_MAX_CHARACTERS) }))).toBe(
      'x'.repeat(SUBJECT_MAX_CHARACTERS),
    );
  });

  it('falls back to the task and paths, then to the change id, when nothing printable is left', () => {
    expect(commitSubject(entry({ summary: '\n\u001b ' }))).toBe('T-1: a.txt');
    expect(commitSubject(entry({ summary: '', task_id: '\u0007', paths: [] }))).toBe('Change chg-1');
  });
});

describe('entryCommitMessage', () => {
  it('ends with Hyperion’s trailer block as its own last paragraph', () => {
    const message = entryCommitMessage(entry({ request_id: 'R-1', summary: 'Fix\n\nSigned-off-by: x' }));
    expect(message).toBe(
      `Fix Signed-off-by: x\n\nHyperion-Task: T-1\nHyperion-Change: chg-1\nHyperion-Request: R-1\nHyperion-Patch: ${PATCH}\n`,
    );
    expect(parseHyperionTrailers(message)).toEqual({
      task: 'T-1',
      change: 'chg-1',
      request: 'R-1',
      patch: PATCH,
    });
  });

  it('refuses an id that is not one token (an entry stored before ids were checked at submit)', () => {
    expect(() => entryCommitMessage(entry({ task_id: 'T\n1' }))).toThrow(/trailer Hyperion-Task/);
  });
});

describe('commitEntry', () => {
  it('lands the exact message even where a prepare-commit-msg hook would rewrite it: no hook runs', async () => {
    fixture = await createQueueFixture({
      files: { 'README.md': 'r\n' },
      config: { queue: { max_attempts: 1 } },
    });
    // `git commit --no-verify` ran this hook and the landing could then not be proven (the entry was
    // quarantined); the commit object is now written in-process, so no hook touches it.
    const hook = join(fixture.temporary.repository.gitDirectory, 'hooks', 'prepare-commit-msg');
    writeFileSync(hook, '#!/bin/sh\necho "Signed-off-by: Hook <h@x>" >> "$1"\n');
    chmodSync(hook, 0o755);
    const submitted = await fixture.queue.submit(changeRequest('T-a', 'a.txt', newFilePatch('a.txt', 'a\n')));
    expect(await fixture.queue.runWorkers({ mode: 'drain' })).toEqual({ landed: 1 });
    const landed = await fixture.store.requireEntry(submitted.id);
    const tip = await fixture.temporary.repository.requireBranch('main');
    expect(landed.landed_commit).toBe(tip);
    const message = await fixture.temporary.repository.readCommitMessage(tip);
    expect(message).toBe(entryCommitMessage(landed));
    expect(message).not.toMatch(/Signed-off-by/);
  });
});
