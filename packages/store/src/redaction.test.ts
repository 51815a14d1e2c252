import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED } from '@hyperion/schema';
import { compareWithLive } from './replay.js';
import { SqliteStore } from './sqlite-store.js';

const serviceToken = 'svc-0e1d2c3b4a596877';
const githubToken = `ghp_${'Q1w2E3r4T5'.repeat(4).slice(0, 36)}`;
let directory: string;
let saved: string | undefined;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-store-'));
  saved = process.env['MY_SERVICE_TOKEN'];
  process.env['MY_SERVICE_TOKEN'] = serviceToken;
});

afterEach(() => {
  if (saved === undefined) delete process.env['MY_SERVICE_TOKEN'];
  else process.env['MY_SERVICE_TOKEN'] = saved;
  rmSync(directory, { recursive: true, force: true });
});

describe('SqliteStore redaction backstop (promise 11)', () => {
  it("keeps the process's secret values and token shapes out of events and last_error, and the log still replays", async () => {
    const file = join(directory, 'hyperion.db');
    const store = SqliteStore.open(file, { create: true });
    await store.enqueue({
      id: 'a',
      task_id: 'T-1',
      request_id: null,
      agent: 'test',
      summary: 'change a',
      priority: 0,
      max_attempts: 3,
      target_branch: 'main',
      paths: ['a.txt'],
      patch: 'patch a',
      patch_hash: 'a'.padEnd(64, '0'),
      base_commit: null,
      checks: [],
      change_request: { id: 'a' },
    });
    await store.leaseNext('w1', 60_000);
    await store.recordEvent(
      'a',
      'check:failed',
      { output: `MY_SERVICE_TOKEN=${serviceToken}\n${githubToken}` },
      'w1',
    );
    const reason = `check 'x' failed: printed ${serviceToken}`;
    await store.transition('a', {
      from: 'running',
      to: 'queued',
      owner: 'w1',
      type: 'entry:retry_scheduled',
      worker: 'w1',
      data: { reason, attempt: 1 },
      set: { last_error: reason },
    });
    const failed = (await store.listEvents({ entryId: 'a' })).find((event) => event.type === 'check:failed');
    expect(failed?.data['output']).toBe(`MY_SERVICE_TOKEN=${REDACTED}\n${REDACTED}`);
    expect((await store.requireEntry('a')).last_error).toBe(`check 'x' failed: printed ${REDACTED}`);
    expect(await compareWithLive(store)).toEqual([]);
    await store.close();
    for (const path of [file, `${file}-wal`]) {
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1');
      expect(bytes).not.toContain(serviceToken);
      expect(bytes).not.toContain(githubToken);
    }
  });
});
