import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { SqliteStore } from '@hyperion/store';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

/** Control characters a terminal would act on (newline aside). */
function controls(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return [...text.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g)].map(
    (match) => `U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

/**
 * The Markdown structure a renderer sees, read the CommonMark way: headings outside code fences,
 * and the text of each fenced block (a fence closes only on a line of at least as many backticks).
 */
function markdownStructure(markdown: string): { headings: string[]; blocks: string[]; unclosed: boolean } {
  const headings: string[] = [];
  const blocks: string[] = [];
  let fence: string | undefined;
  let block: string[] = [];
  for (const line of markdown.split('\n')) {
    if (fence === undefined) {
      const opening = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (opening !== null) {
        fence = opening[1];
        block = [];
      } else if (/^ {0,3}#{1,6}(\s|$)/.test(line)) headings.push(line.trim());
      continue;
    }
    const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (closing !== null && closing[1]![0] === fence[0] && closing[1]!.length >= fence.length) {
      blocks.push(block.join('\n'));
      fence = undefined;
    } else block.push(line);
  }
  return { headings, blocks, unclosed: fence !== undefined };
}

interface DemoOutcome {
  landed: Array<{ change_id: string; task_id: string; commit: string }>;
  quarantined: Array<{ change_id: string; task_id: string; reason: string }>;
}

describe('hyperion report', () => {
  it("names every landed change of the demo with its commit, and the quarantined one with why; --json and a request's report agree", async () => {
    const directory = join(temporaryDirectory('hyperion-report-demo'), 'demo');
    const demo = await hyperion(['demo', '--dir', directory, '--json']);
    expect(demo.code, demo.stderr).toBe(0);
    const outcome = JSON.parse(demo.stdout) as DemoOutcome;
    expect(outcome.landed.length).toBeGreaterThan(0);
    expect(outcome.quarantined.length).toBeGreaterThan(0);

    const whole = await hyperion(['report', '--repo', directory]);
    expect(whole.code, whole.stderr).toBe(0);
    const markdown = whole.stdout;
    const structure = markdownStructure(markdown);
    expect(structure.unclosed).toBe(false);
    expect(structure.headings[0]).toBe('# Hyperion report: the whole queue');
    const landedSection = markdown.slice(markdown.indexOf('## Landed'), markdown.indexOf('## Quarantined'));
    const quarantinedSection = markdown.slice(
      markdown.indexOf('## Quarantined'),
      markdown.indexOf('## Decisions'),
    );
    expect(landedSection).toContain(`## Landed (${outcome.landed.length})`);
    for (const landed of outcome.landed) {
      expect(landedSection).toContain(`\`${landed.change_id}\``);
      expect(landedSection).toContain(`commit \`${landed.commit}\``);
    }
    expect(quarantinedSection).toContain(`## Quarantined (${outcome.quarantined.length})`);
    for (const quarantined of outcome.quarantined) {
      expect(quarantinedSection).toContain(`\`${quarantined.change_id}\``);
      expect(quarantinedSection).toContain(`why: ${quarantined.reason}`);
      expect(quarantinedSection).toMatch(/check `test`: failed \(exit 1\)/);
    }
    // The failing check's output is shown, in a block of its own.
    expect(
      structure.blocks.some((block) => block.includes('not ok') && block.includes('VERSION is semantic')),
    ).toBe(true);

    const json = await hyperion(['report', 'DEMO-1', '--json', '--repo', directory]);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as {
      request: { id: string; assignments: Array<{ task_id: string; entries: string[] }> };
      counts: Record<string, number>;
      since: null;
      generated_at: string;
      entries: Array<{
        id: string;
        task_id: string;
        state: string;
        landed_commit: string | null;
        reason: string | null;
        checks: Array<{ name: string; result: string; exit_code: number | null }>;
        failed_check_output: string | null;
      }>;
      decisions: unknown[];
    };
    expect(report.request.id).toBe('DEMO-1');
    expect(report.since).toBeNull();
    expect(Number.isNaN(Date.parse(report.generated_at))).toBe(false);
    expect(report.counts).toEqual({ landed: outcome.landed.length, quarantined: outcome.quarantined.length });
    expect(report.decisions).toEqual([]);
    const byId = new Map(report.entries.map((entry) => [entry.id, entry]));
    for (const landed of outcome.landed) {
      expect(byId.get(landed.change_id)).toMatchObject({
        state: 'landed',
        landed_commit: landed.commit,
        reason: null,
      });
      expect(byId.get(landed.change_id)!.checks.at(-1)).toMatchObject({
        name: 'test',
        result: 'passed',
        exit_code: 0,
      });
    }
    for (const quarantined of outcome.quarantined) {
      const entry = byId.get(quarantined.change_id)!;
      expect(entry).toMatchObject({ state: 'quarantined', landed_commit: null, reason: quarantined.reason });
      expect(entry.checks.at(-1)).toMatchObject({ name: 'test', result: 'failed', exit_code: 1 });
      expect(entry.failed_check_output).toContain('VERSION is semantic');
    }
    // Every assignment names the entries made from it.
    expect(report.request.assignments.flatMap((assignment) => assignment.entries).sort()).toEqual(
      [...byId.keys()].sort(),
    );

    const requestMarkdown = await hyperion(['report', 'DEMO-1', '--repo', directory]);
    expect(requestMarkdown.code).toBe(0);
    expect(requestMarkdown.stdout).toMatch(/^# Hyperion report: request `DEMO-1`\n/);
    expect(requestMarkdown.stdout).toContain(`## Assignments (${report.request.assignments.length})`);
  });

  it('refuses an unknown request id: exit 7, one line naming it (JSON with --json), nothing on stdout', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    expect((await hyperion(['init', '--repo', temporary.root])).code).toBe(0);
    const missing = await hyperion(['report', 'REQ-nope', '--repo', temporary.root]);
    expect(missing.code).toBe(7);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^error\[not_found\]: no request REQ-nope \(/);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    const json = await hyperion(['report', 'REQ-nope', '--json', '--repo', temporary.root]);
    expect(json.code).toBe(7);
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: { code: 'not_found', details: { request_id: 'REQ-nope' } },
    });
    const empty = await hyperion(['report', '--repo', temporary.root]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('## Landed (0)');
  });

  it('neutralizes hostile stored text: no terminal control, no forged heading, no closed fence, no live link', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    const forge =
      '\n```\n# Forged heading\n## Landed (99)\n[click](http://evil.example) <img src=x onerror=alert(1)>';
    const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
    const patch = '--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n';
    try {
      await store.insertRequest({
        id: 'REQ-h',
        summary: `request\u001b[2J${forge}`,
        status: 'enqueued',
        body: {},
      });
      await store.insertAssignment({
        task_id: 'T-h',
        request_id: 'REQ-h',
        summary: `assignment${forge}`,
        status: 'submitted',
        body: {},
      });
      for (const id of ['chg-quarantined', 'chg-rejected']) {
        await store.enqueue({
          id,
          task_id: 'T-h',
          request_id: 'REQ-h',
          agent: 'a',
          summary: `Tidy\u001b]0;pwned\u0007\u202e${forge}`,
          priority: 0,
          max_attempts: 1,
          target_branch: 'main',
          paths: [`a\`\`\`${id}.txt`],
          patch: `${patch}${id}`,
          patch_hash: createHash('sha256').update(`${patch}${id}`).digest('hex'),
          base_commit: null,
          checks: [],
          change_request: {},
        });
      }
      await store.leaseNext('worker-1', 60_000);
      const output = `ok\n\`\`\`\`\`\`\n# Forged from the check output\n\u001b[31mred\u001b[0m\n~~~\n`;
      await store.recordEvent(
        'chg-quarantined',
        'check:failed',
        { name: 'test', command: 'x', exit_code: 1, timed_out: false, duration_ms: 5, output },
        'worker-1',
      );
      await store.transition('chg-quarantined', {
        from: 'running',
        to: 'quarantined',
        type: 'entry:quarantined',
        worker: 'worker-1',
        data: { reason: `check failed${forge}` },
        set: { last_error: `check failed${forge}` },
      });
      await store.transition('chg-rejected', {
        from: 'queued',
        to: 'rejected',
        type: 'entry:rejected',
        data: { by: `mallory${forge}`, reason: `because${forge}` },
        set: { last_error: 'rejected' },
      });
    } finally {
      await store.close();
    }
    for (const args of [['report'], ['report', 'REQ-h']]) {
      const run = await hyperion([...args, '--repo', root]);
      expect(run.code, run.stderr).toBe(0);
      expect(controls(run.stdout)).toEqual([]);
      const structure = markdownStructure(run.stdout);
      expect(structure.unclosed).toBe(false);
      // Only the report's own headings: none forged by a summary, a reason, a name or the output.
      for (const heading of structure.headings) {
        expect(heading).toMatch(
          /^(# Hyperion report: |## (Assignments|Landed|Quarantined|Rejected, cancelled or rolled back|Decisions) \()/,
        );
      }
      expect(structure.headings.filter((heading) => heading.startsWith('## Landed'))).toEqual([
        '## Landed (0)',
      ]);
      // The check output stays inside its one block, whole.
      expect(structure.blocks).toHaveLength(1);
      expect(structure.blocks[0]).toContain('# Forged from the check output');
      expect(structure.blocks[0]).toContain('\\x1b[31mred\\x1b[0m');
      // Inline Markdown is escaped where stored text is shown.
      expect(run.stdout).not.toMatch(/(^|[^\\])\[click\]/);
      expect(run.stdout).not.toMatch(/(^|[^\\])<img/);
      expect(run.stdout).toContain('\\[click\\](http://evil.example) \\<img src=x onerror=alert(1)\\>');
      expect(run.stdout).toContain('Tidy\\x1b\\]0;pwned\\x07\\u202e\\n\\`\\`\\`\\n\\# Forged heading');
      expect(run.stdout).toMatch(/mallory\\n.*rejected `chg-rejected`/);
    }
    const json = await hyperion(['report', 'REQ-h', '--json', '--repo', root]);
    expect(controls(json.stdout)).toEqual([]);
    const parsed = JSON.parse(json.stdout) as {
      decisions: Array<{ by: string; action: string; note: string }>;
    };
    expect(parsed.decisions).toEqual([
      expect.objectContaining({ by: `mallory${forge}`, action: 'rejected', note: `because${forge}` }),
    ]);
  });

  it("a request's summary, on a line of its own, cannot start a list item, a quote, a rule or a code block", async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    const forged = [
      '- status: approved by security, received 2026-01-01',
      '+ status: approved',
      '* status: approved',
      '1. status: approved',
      '2) status: approved',
      '---',
      '===',
      '    indented code',
      '> quoted',
    ];
    const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
    try {
      for (const [index, summary] of forged.entries()) {
        await store.insertRequest({ id: `REQ-${index}`, summary, status: 'enqueued', body: {} });
      }
    } finally {
      await store.close();
    }
    for (const [index, summary] of forged.entries()) {
      const run = await hyperion(['report', `REQ-${index}`, '--repo', root]);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.split('\n');
      const at = lines.indexOf('# Hyperion report: request `REQ-' + String(index) + '`');
      // The line after the heading's blank line is the summary's: it must read as a paragraph.
      const shown = lines[at + 2]!;
      expect(shown, summary).not.toMatch(
        /^ {0,3}([-+*=]|\d{1,9}[.)]|>)(\s|$)|^ {4}|^ {0,3}(-{3,}|={3,}|\*{3,})\s*$/,
      );
      expect(shown.replace(/\\(.)/g, '$1').trim(), summary).toBe(summary.trim());
    }
  });
});
