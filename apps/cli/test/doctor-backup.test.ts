import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { SqliteStore } from '@hyperion/store';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

const patch = (path: string, before: string, after: string): string =>
  `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${before}\n+${after}\n`;

/** An initialized repository with two queued changes. */
async function repositoryWithQueue(): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
  const root = temporary.root;
  expect((await hyperion(['init', '--repo', root])).code).toBe(0);
  const inputs = temporaryDirectory('hyperion-doctor-inputs');
  for (const name of ['a', 'b']) {
    const file = join(inputs, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        task_id: `T-${name}`,
        agent: 'test',
        changes: [
          { path: `${name}.txt`, operation: 'update', patch: patch(`${name}.txt`, name, name.toUpperCase()) },
        ],
      }),
    );
    expect((await hyperion(['submit', file, '--repo', root])).code).toBe(0);
  }
  return root;
}

interface DoctorReport {
  findings: Array<{ check: string; status: string; message: string }>;
  problems: number;
  warnings: number;
}

async function doctor(root: string, ...extra: string[]): Promise<{ code: number; report: DoctorReport }> {
  const run = await hyperion(['doctor', '--repo', root, '--json', ...extra]);
  return { code: run.code, report: JSON.parse(run.stdout) as DoctorReport };
}

const statusOf = (report: DoctorReport, check: string): string[] =>
  report.findings.filter((finding) => finding.check === check).map((finding) => finding.status);

describe('hyperion backup', { timeout: 180_000 }, () => {
  it('writes a consistent copy that every command can use, and never overwrites a file', async () => {
    const root = await repositoryWithQueue();
    const file = join(temporaryDirectory('hyperion-backup'), 'copy.db');
    const backedUp = await hyperion(['backup', file, '--repo', root, '--json']);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    expect(JSON.parse(backedUp.stdout)).toMatchObject({ backup: file });
    const listed = await hyperion(['queue', 'list', '--repo', root, '--json'], {
      env: { HYPERION_STORE_FILE: file },
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(2);
    const again = await hyperion(['backup', file, '--repo', root]);
    expect(again.code).toBe(7);
    expect(again.stderr).toMatch(
      /^error\[invalid_state\]: .*copy\.db exists; a backup never overwrites a file/,
    );
  });

  it('on PostgreSQL says what to use instead', async () => {
    const root = await repositoryWithQueue();
    const run = await hyperion(['backup', join(root, 'x.db'), '--repo', root], {
      env: { HYPERION_DATABASE_URL: 'postgres://hyperion@127.0.0.1:1/queue' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/pg_dump/);
    expect(existsSync(join(root, 'x.db'))).toBe(false);
  });
});

describe('hyperion doctor', { timeout: 180_000 }, () => {
  it('finds a healthy queue healthy (exit 0)', async () => {
    const root = await repositoryWithQueue();
    const { code, report } = await doctor(root);
    expect(code).toBe(0);
    expect(report.problems).toBe(0);
    expect(report.warnings).toBe(0);
    expect(report.findings.map((finding) => finding.check)).toEqual([
      'store',
      'integrity',
      'wal',
      'leases',
      'worktrees',
      'locks',
      'locks',
    ]);
  });

  it('finds a stale lease, an orphaned worktree and a dead lock, and --fix repairs all three', async () => {
    const root = await repositoryWithQueue();
    const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
    const leased = await store.leaseNext('gone-worker', 1_000);
    await store.close();
    expect(leased).toBeDefined();
    // A worktree and a lock left by a dead process of this host (pid 4194304 is above Linux's limit).
    const dead = `${hostname()}-4194304-1-pabcdef`;
    const orphan = join(root, '.hyperion', 'worktrees', dead);
    await runGit(['worktree', 'add', '--detach', orphan, 'HEAD'], { cwd: root });
    const stray = join(root, '.hyperion', 'worktrees', `${hostname()}-4194304-2-pabcdef`);
    mkdirSync(stray, { recursive: true });
    const lock = join(root, '.git', 'hyperion-landing.lock');
    writeFileSync(lock, `${JSON.stringify({ pid: 4194304, host: hostname() })}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const found = await doctor(root);
    expect(found.code).toBe(0);
    expect(statusOf(found.report, 'leases')).toEqual(['warning']);
    expect(statusOf(found.report, 'worktrees')).toEqual(['warning']);
    expect(statusOf(found.report, 'locks')).toContain('warning');
    expect(existsSync(orphan) && existsSync(lock), 'without --fix nothing changes').toBe(true);

    const fixed = await doctor(root, '--fix');
    expect(fixed.code).toBe(0);
    expect(statusOf(fixed.report, 'leases')).toEqual(['fixed']);
    expect(statusOf(fixed.report, 'worktrees')).toEqual(['fixed']);
    expect(statusOf(fixed.report, 'locks')).toContain('fixed');
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(lock)).toBe(false);
    const listed = await hyperion(['queue', 'list', '--repo', root, '--json']);
    const states = (JSON.parse(listed.stdout) as Array<{ state: string }>).map((entry) => entry.state);
    expect(states).toEqual(['queued', 'queued']);
    expect((await doctor(root)).report.warnings).toBe(0);
  });

  it('reports a missing store beside an existing .hyperion/ as a problem (exit 4), never creates one', async () => {
    const root = await repositoryWithQueue();
    const database = join(root, '.hyperion', 'hyperion.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
    const { code, report } = await doctor(root);
    expect(code).toBe(4);
    expect(statusOf(report, 'store')).toEqual(['problem']);
    expect(report.findings[0]!.message).toMatch(/store_missing: .*does not exist/);
    expect(existsSync(database)).toBe(false);
  });
});

describe('hyperion cleanup', { timeout: 180_000 }, () => {
  it('empties old finished entries, keeps their events and the log verifiable, deletes them only when asked', async () => {
    const root = await repositoryWithQueue();
    const drained = await hyperion(['worker', '--drain', '--repo', root, '--json']);
    expect(drained.code, drained.stderr).toBe(0);
    const none = await hyperion(['cleanup', '--older-than', '1d', '--repo', root, '--json']);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual({ pruned: [], events_deleted: 0 });

    const pruned = await hyperion(['cleanup', '--older-than', '0s', '--repo', root, '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect((JSON.parse(pruned.stdout) as { pruned: string[] }).pruned).toHaveLength(2);
    const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
    try {
      expect((await store.listEntries()).map((entry) => [entry.state, entry.patch])).toEqual([
        ['landed', ''],
        ['landed', ''],
      ]);
      expect((await store.listEvents()).length).toBeGreaterThan(6);
    } finally {
      await store.close();
    }
    expect((await hyperion(['log', 'verify', '--repo', root])).code).toBe(0);

    const deleted = await hyperion(['cleanup', '--older-than', '0s', '--with-events', '--repo', root]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted 2 finished entries and their \d+ events/);
    const listed = await hyperion(['queue', 'list', '--repo', root, '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    expect((await hyperion(['log', 'verify', '--repo', root])).code).toBe(0);
  });

  it('refuses a duration it cannot read (exit 2) before opening anything', async () => {
    const run = await hyperion(['cleanup', '--older-than', '30 days', '--repo', '/nonexistent']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error\[usage\]: .*--older-than.*expected a duration/);
  });
});
