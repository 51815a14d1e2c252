import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

/** A change appending `line` to notes.txt whose lines are `lines`. */
function appendChange(task: string, lines: string[], line: string): string {
  const last = lines.length;
  const patch = `diff --git a/notes.txt b/notes.txt\n--- a/notes.txt\n+++ b/notes.txt\n@@ -${last},1 +${last},2 @@\n ${lines[last - 1]}\n+${line}\n`;
  const file = join(temporaryDirectory('hyperion-input'), `${task}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      task_id: task,
      agent: 'history',
      changes: [{ path: 'notes.txt', operation: 'update', patch }],
    }),
  );
  return file;
}

describe('hyperion submit of stacked changes', () => {
  it('accepts changes made on top of each other before any lands, shows what each is stacked on, and lands them in order', async () => {
    temporary = await createTemporaryRepository({ files: { 'notes.txt': 'start\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    const lines = ['start'];
    const ids: string[] = [];
    for (const task of ['T-1', 'T-2', 'T-3']) {
      const line = `line of ${task}`;
      const submitted = await hyperion(['submit', appendChange(task, lines, line), '--repo', root, '--json']);
      expect(submitted.stderr).toBe('');
      expect(submitted.code).toBe(0);
      ids.push((JSON.parse(submitted.stdout) as { id: string }).id);
      lines.push(line);
    }
    const shown = await hyperion(['queue', 'show', ids[2]!, '--repo', root]);
    expect(shown.stdout).toContain(`stacked on ${ids[0]}, ${ids[1]} (lands after them)`);
    const worker = await hyperion(['worker', '--drain', '--repo', root, '--json']);
    expect(JSON.parse(worker.stdout)).toEqual({ mode: 'drain', summary: { landed: 3 } });
    expect(readFileSync(join(root, 'notes.txt'), 'utf8')).toBe(`${lines.join('\n')}\n`);
  });
});
