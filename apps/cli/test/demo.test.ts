import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGit } from '@hyperion/git';
import { hyperion } from './run-cli.js';

const parent = mkdtempSync(join(tmpdir(), 'hyperion-demo-test-'));

afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('hyperion demo', () => {
  it('lands the good changes with trailers, quarantines the failing one with its check output, and keeps --dir', async () => {
    const directory = join(parent, 'demo');
    const result = await hyperion(['demo', '--dir', directory, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const demo = JSON.parse(result.stdout) as {
      tip: string;
      landed: Array<{ task_id: string; commit: string; trailers: Record<string, string> }>;
      quarantined: Array<{ task_id: string; reason: string; check_output: string }>;
    };
    expect(demo.landed.map((item) => item.task_id).sort()).toEqual(['DEMO-1-1', 'DEMO-1-2', 'DEMO-1-3']);
    for (const landed of demo.landed) {
      expect(landed.trailers['Hyperion-Task']).toBe(landed.task_id);
      expect(landed.trailers['Hyperion-Change']).toMatch(/^chg-/);
    }
    expect(demo.quarantined).toEqual([expect.objectContaining({ task_id: 'DEMO-1-4' })]);
    expect(demo.quarantined[0]?.reason).toMatch(/check 'test' failed/);
    expect(demo.quarantined[0]?.check_output).toMatch(/VERSION is semantic/);
    const history = await runGit(['log', '--format=%s', 'main'], { cwd: directory });
    expect(history.stdout.trim().split('\n')).toHaveLength(4);
    const tests = await runGit(['-c', 'core.quotepath=off', 'ls-files'], { cwd: directory });
    expect(tests.stdout).toContain('src/multiply.js');
  });

  it('refuses a --dir that is not empty', async () => {
    const result = await hyperion(['demo', '--dir', parent]);
    expect(result.code).toBe(3);
  });
});
