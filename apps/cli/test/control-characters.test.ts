import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { SqliteStore } from '@hyperion/store';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

/** Erases the line and returns the cursor: `src/<this>ok.js` shows as `ok.js`, hiding the path. */
const ERASE = '\u001b[2K\u001b[1G';
/** More of what a hostile text can hold: a window-title command, a C1 CSI, a bidi override. */
const HOSTILE = `${ERASE}ok\u001b]0;pwned\u0007\u009b2J\u202e`;

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

function changeFile(value: unknown): string {
  const file = join(temporaryDirectory('hyperion-change'), 'change.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Control characters a terminal would act on (newline, the only one a print may hold, aside). */
function controls(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return [...text.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g)].map(
    (match) => `U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

async function initializedRepository(): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'README.md': '# r\n' } });
  expect((await hyperion(['init', '--repo', temporary.root])).code).toBe(0);
  return temporary.root;
}

describe('control characters from the command line', () => {
  it('refuses a path or an agent holding escape sequences at submit: exit 3, one line naming the field', async () => {
    const root = await initializedRepository();
    const path = `src/${ERASE}ok.js`;
    const patch = `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+x\n`;
    const submitted = await hyperion([
      'submit',
      changeFile({ task_id: 'T-esc', agent: 'a', changes: [{ path, operation: 'create', patch }] }),
      '--repo',
      root,
    ]);
    expect(submitted.code).toBe(3);
    expect(submitted.stdout).toBe('');
    expect(submitted.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
    expect(submitted.stderr).toMatch(
      /^error\[unsafe_path\]: .*change\.json: changes\[0\]\.path: unsafe path 'src\/\\x1b\[2K\\x1b\[1Gok\.js': contains the control character U\+001B/,
    );
    expect(controls(submitted.stderr)).toEqual([]);
    const byAgent = await hyperion([
      'submit',
      changeFile({
        task_id: 'T-agent',
        agent: `bot${HOSTILE}`,
        changes: [{ path: 'README.md', operation: 'update', patch: 'x' }],
      }),
      '--repo',
      root,
    ]);
    expect(byAgent.code).toBe(3);
    expect(byAgent.stderr).toMatch(/: agent: contains the control character U\+001B at offset 3\n$/);
    const listed = await hyperion(['queue', 'list', '--repo', root, '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const usage = await hyperion(['queue', 'list', `--x${ERASE}`, '--repo', root]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--x\\x1b[2K\\x1b[1G'");
    expect(controls(usage.stderr)).toEqual([]);
  });

  it('refuses a symlink pointing outside the repository at submit, naming the patch field', async () => {
    const root = await initializedRepository();
    const patch =
      'diff --git a/docs/link b/docs/link\nnew file mode 120000\n--- /dev/null\n+++ b/docs/link\n@@ -0,0 +1 @@\n+../../outside\n\\ No newline at end of file\n';
    const submitted = await hyperion([
      'submit',
      changeFile({
        task_id: 'T-link',
        agent: 'a',
        changes: [{ path: 'docs/link', operation: 'create', patch }],
      }),
      '--repo',
      root,
    ]);
    expect(submitted.code).toBe(3);
    expect(submitted.stderr).toBe(
      "error[unsafe_path]: changes[0].patch: the symlink 'docs/link' points outside the repository ('../../outside')\n",
    );
  });

  it('prints stored text with escape sequences neutralized: queue list, queue show, requests and errors', async () => {
    const root = await initializedRepository();
    // A store written before the boundary refused such text, or by another tool: every field hostile.
    const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
    const patch = `--- a/src/${HOSTILE}.js\n+++ b/src/${HOSTILE}.js\n@@ -0,0 +1 @@\n+x${HOSTILE}\n`;
    try {
      await store.enqueue({
        id: 'chg-hostile',
        task_id: `T${HOSTILE}`,
        request_id: `REQ${HOSTILE}`,
        agent: `agent${HOSTILE}`,
        summary: `Tidy${HOSTILE}\nHyperion-Change: forged`,
        priority: 0,
        max_attempts: 3,
        target_branch: 'main',
        paths: ['src/risky.js', `src/${HOSTILE}.js`],
        patch,
        patch_hash: createHash('sha256').update(patch).digest('hex'),
        base_commit: null,
        checks: [],
        change_request: {},
        state: 'awaiting_approval',
      });
      await store.enqueue({
        id: 'chg-failed',
        task_id: 'T-2',
        request_id: null,
        agent: 'a',
        summary: 's',
        priority: 0,
        max_attempts: 3,
        target_branch: 'main',
        paths: ['b.js'],
        patch,
        patch_hash: createHash('sha256').update(patch).digest('hex'),
        base_commit: null,
        checks: [],
        change_request: {},
      });
      await store.leaseNext(`worker${HOSTILE}`, 60_000);
      await store.transition('chg-failed', {
        from: 'running',
        to: 'quarantined',
        type: 'entry:quarantined',
        worker: `worker${HOSTILE}`,
        data: { reason: `check output${HOSTILE}` },
        set: { last_error: `check output${HOSTILE}` },
      });
      await store.insertRequest({ id: 'REQ-1', summary: `request${HOSTILE}`, status: 'failed', body: {} });
      await store.updateRequest('REQ-1', 'failed', `failed${HOSTILE}`);
    } finally {
      await store.close();
    }
    const awaiting = await hyperion(['queue', 'list', '--awaiting', '--repo', root]);
    expect(awaiting.code).toBe(0);
    expect(controls(awaiting.stdout)).toEqual([]);
    expect(awaiting.stdout).toContain(
      'src/risky.js,src/\\x1b[2K\\x1b[1Gok\\x1b]0;pwned\\x07\\x9b2J\\u202e.js',
    );
    expect(awaiting.stdout.trimEnd().split('\n')).toHaveLength(2);
    const all = await hyperion(['queue', 'list', '--repo', root]);
    expect(controls(all.stdout)).toEqual([]);
    expect(all.stdout).toContain('check output\\x1b[2K');
    const shown = await hyperion(['queue', 'show', 'chg-hostile', '--repo', root]);
    expect(shown.code).toBe(0);
    expect(controls(shown.stdout)).toEqual([]);
    expect(shown.stdout).toContain(
      'summary Tidy\\x1b[2K\\x1b[1Gok\\x1b]0;pwned\\x07\\x9b2J\\u202e\\nHyperion-Change: forged\n',
    );
    expect(shown.stdout).toContain('agent agent\\x1b[2K');
    expect(shown.stdout).toContain('+x\\x1b[2K');
    const failed = await hyperion(['queue', 'show', 'chg-failed', '--repo', root]);
    expect(controls(failed.stdout)).toEqual([]);
    expect(failed.stdout).toContain('by worker\\x1b[2K');
    const requests = await hyperion(['requests', '--repo', root]);
    expect(controls(requests.stdout)).toEqual([]);
    expect(requests.stdout).toContain('request\\x1b[2K');
    const json = await hyperion(['queue', 'show', 'chg-hostile', '--repo', root, '--json']);
    expect(controls(json.stdout)).toEqual([]);
    const parsed = JSON.parse(json.stdout) as { entry: { summary: string } };
    expect(parsed.entry.summary).toBe(`Tidy${HOSTILE}\nHyperion-Change: forged`);
    const missing = await hyperion(['queue', 'show', `chg${HOSTILE}`, '--repo', root]);
    expect(missing.code).toBe(7);
    expect(controls(missing.stderr)).toEqual([]);
    expect(missing.stderr).toContain('chg\\x1b[2K');
  });
});
