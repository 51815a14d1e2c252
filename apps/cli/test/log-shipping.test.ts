import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { BIN, hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

const patch = (path: string, before: string, after: string): string =>
  `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-${before}\n+${after}\n`;

async function submit(root: string, inputs: string, index: number, breaks = false): Promise<void> {
  const path = `f${index}.txt`;
  const file = join(inputs, `change-${index}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      task_id: `T-${index}`,
      agent: 'test',
      changes: [
        { path, operation: 'update', patch: patch(path, `f${index}`, breaks ? 'BROKEN' : `F${index}`) },
      ],
    }),
  );
  const result = await hyperion(['submit', file, '--repo', root]);
  expect(result.code, result.stderr).toBe(0);
}

/** A repository whose queue landed some changes, quarantined one, and still holds two queued. */
async function queueWithHistory(): Promise<{ root: string; inputs: string }> {
  const files: Record<string, string> = {};
  for (let index = 0; index < 10; index += 1) files[`f${index}.txt`] = `f${index}\n`;
  temporary = await createTemporaryRepository({ files });
  const root = temporary.root;
  expect((await hyperion(['init', '--repo', root, '--check', 'no-broken=! grep -q BROKEN *.txt'])).code).toBe(
    0,
  );
  const configFile = join(root, '.hyperion', 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(configFile, JSON.stringify({ ...config, queue: { max_attempts: 1, backoff_base_ms: 0 } }));
  const inputs = temporaryDirectory('hyperion-ship-inputs');
  for (let index = 0; index < 4; index += 1) await submit(root, inputs, index, index === 2);
  const drained = await hyperion(['worker', '--drain', '--repo', root, '--json']);
  expect(drained.code, drained.stderr).toBe(0);
  for (let index = 4; index < 6; index += 1) await submit(root, inputs, index);
  return { root, inputs };
}

async function verifiedChecksum(root: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const verified = await hyperion(['log', 'verify', '--repo', root, '--json'], { env });
  expect(verified.code, verified.stderr).toBe(0);
  const parsed = JSON.parse(verified.stdout) as { differences: unknown[]; state_checksum: string };
  expect(parsed.differences).toEqual([]);
  expect(parsed.state_checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  return parsed.state_checksum;
}

// Each test runs a dozen CLI processes and a worker drain: slow on a busy two-core machine.
describe('hyperion log ship and restore (the restore drill)', { timeout: 240_000 }, () => {
  it('ships, loses the database, restores from the segments alone to the same state checksum, and the restored store works', async () => {
    const { root, inputs } = await queueWithHistory();
    const shipped = join(temporaryDirectory('hyperion-shipped'), 'segments');
    const first = await hyperion(['log', 'ship', '--repo', root, '--to', shipped]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/shipped \d+ events and 6 submissions/);
    const before = await verifiedChecksum(root);

    const database = join(root, '.hyperion', 'hyperion.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
    const lost = await hyperion(['queue', 'list', '--repo', root, '--json']);
    expect(lost.code, 'a lost store is an error, never an empty queue').toBe(4);

    const restored = await hyperion(['log', 'restore', '--from', shipped, '--db', database, '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ entries: 6, state_checksum: before });
    expect(await verifiedChecksum(root)).toBe(before);

    const listed = await hyperion(['queue', 'list', '--repo', root, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    // The restored queue keeps working: its queued entries land, and shipping continues after it.
    await submit(root, inputs, 6);
    const drained = await hyperion(['worker', '--drain', '--repo', root, '--json']);
    expect(drained.code, drained.stderr).toBe(0);
    const again = await hyperion(['log', 'ship', '--repo', root, '--to', shipped]);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(shipped).filter((name) => name.startsWith('segment-'))).toHaveLength(2);
  });

  it('refuses a corrupted or a missing segment with one line naming it (exit 3) and creates no store', async () => {
    const { root } = await queueWithHistory();
    const shipped = join(temporaryDirectory('hyperion-shipped'), 'segments');
    for (let round = 0; round < 3; round += 1) {
      expect((await hyperion(['log', 'ship', '--repo', root, '--to', shipped])).code).toBe(0);
      const inputs = temporaryDirectory('hyperion-more');
      await submit(root, inputs, 6 + round);
    }
    const target = join(temporaryDirectory('hyperion-restore'), 'restored.db');
    const second = join(shipped, 'segment-00000002.jsonl');
    const text = readFileSync(second, 'utf8');
    writeFileSync(second, text.replace('"T-', '"X-'));
    const corrupted = await hyperion(['log', 'restore', '--from', shipped, '--db', target]);
    expect(corrupted.code).toBe(3);
    expect(corrupted.stderr.trim().split('\n')).toHaveLength(1);
    expect(corrupted.stderr).toContain('segment-00000002.jsonl: does not match its checksum');
    expect(existsSync(target)).toBe(false);

    rmSync(second);
    const missing = await hyperion(['log', 'restore', '--from', shipped, '--db', target]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('segment-00000002.jsonl: segment 2 is missing');
    expect(existsSync(target)).toBe(false);
  });

  it('a follower killed with SIGKILL mid-segment loses nothing and ships nothing twice', async () => {
    const { root, inputs } = await queueWithHistory();
    const shipped = join(temporaryDirectory('hyperion-shipped'), 'segments');
    expect((await hyperion(['log', 'ship', '--repo', root, '--to', shipped])).code).toBe(0);
    // The follower stops inside its next segment: written under a partial name, not yet linked.
    const follower = spawn(
      process.execPath,
      [BIN, 'log', 'ship', '--follow', '--repo', root, '--to', shipped],
      {
        env: { ...process.env, HYPERION_LOG: undefined, HYPERION_FAULT_POINTS: 'ship-before-link:60000' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<void>((resolve) => follower.on('close', () => resolve()));
    let stderr = '';
    const reached = new Promise<void>((resolve) => {
      follower.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('hyperion-fault-point ship-before-link')) resolve();
      });
    });
    try {
      await submit(root, inputs, 6);
      await reached;
      expect(readdirSync(shipped).some((name) => name.startsWith('.partial-'))).toBe(true);
      follower.kill('SIGKILL');
      await exited;
    } finally {
      follower.kill('SIGKILL');
    }
    expect(readdirSync(shipped).filter((name) => name.startsWith('segment-'))).toHaveLength(1);

    const resumed = await hyperion(['log', 'ship', '--repo', root, '--to', shipped]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readdirSync(shipped).some((name) => name.startsWith('.partial-'))).toBe(false);
    const ids = readdirSync(shipped)
      .filter((name) => name.startsWith('segment-'))
      .sort()
      .flatMap((name) =>
        readFileSync(join(shipped, name), 'utf8')
          .split('\n')
          .filter((line) => line.includes('"kind":"event"'))
          .map((line) => (JSON.parse(line) as { event: { id: number } }).event.id),
      );
    expect(new Set(ids).size, 'no event shipped twice').toBe(ids.length);
    const target = join(temporaryDirectory('hyperion-restore'), 'restored.db');
    const restored = await hyperion(['log', 'restore', '--from', shipped, '--db', target, '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ state_checksum: await verifiedChecksum(root) });
  });
});
