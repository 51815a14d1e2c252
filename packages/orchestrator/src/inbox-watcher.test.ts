import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { InboxWatcher, processInboxOnce } from './inbox-watcher.js';

let directory: string;
const watchers: InboxWatcher[] = [];

afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.close();
  rmSync(directory, { recursive: true, force: true });
});

function inbox(): string {
  directory = mkdtempSync(join(tmpdir(), 'hyperion-inbox-'));
  return directory;
}

function recorder() {
  const seen: string[] = [];
  return {
    seen,
    ingest: async (_file: string, text: string) => {
      const parsed = JSON.parse(text) as { id: string; fail?: boolean };
      if (parsed.fail === true) throw new Error(`request ${parsed.id} is refused`);
      seen.push(parsed.id);
      await sleep(1);
      return parsed.id;
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('InboxWatcher', () => {
  it('processes files present at start, then files dropped later, each exactly once, even with two watchers', async () => {
    const root = inbox();
    for (let index = 0; index < 40; index += 1) {
      writeFileSync(
        join(root, `early-${String(index).padStart(2, '0')}.json`),
        JSON.stringify({ id: `early-${index}` }),
      );
    }
    const { seen, ingest } = recorder();
    for (let count = 0; count < 2; count += 1) {
      const watcher = new InboxWatcher({ directory: root, ingest, rescanMs: 200 });
      watchers.push(watcher);
      await watcher.start();
    }
    for (let index = 0; index < 40; index += 1) {
      writeFileSync(join(root, `late-${index}.json`), JSON.stringify({ id: `late-${index}` }));
    }
    await until(() => seen.length >= 80);
    await sleep(300);
    expect(seen).toHaveLength(80);
    expect(new Set(seen).size).toBe(80);
    expect(readdirSync(join(root, 'processed'))).toHaveLength(80);
    expect(readdirSync(root).filter((name) => name.endsWith('.json'))).toEqual([]);
  });

  it('leaves alone a file another running watcher is ingesting when a second watcher starts', async () => {
    const root = inbox();
    writeFileSync(join(root, 'slow.json'), JSON.stringify({ id: 'slow' }));
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const ingesting = new Promise<void>((resolve) => (started = resolve));
    const ingest = async (_file: string, text: string) => {
      seen.push((JSON.parse(text) as { id: string }).id);
      started();
      await gate;
      return 'ok';
    };
    const first = new InboxWatcher({ directory: root, ingest, rescanMs: 50 });
    watchers.push(first);
    await first.start();
    await ingesting;
    // The first watcher holds slow.json in its claim; a second one starting now must not take it back.
    const second = new InboxWatcher({ directory: root, ingest, rescanMs: 50 });
    watchers.push(second);
    await second.start();
    await sleep(200);
    release();
    await first.idle();
    await second.idle();
    expect(seen).toEqual(['slow']);
    expect(readdirSync(join(root, 'processed'))).toEqual(['slow.json']);
  });

  it('puts back the files of a crashed watcher whose process is gone', async () => {
    const root = inbox();
    const child = spawnSync(process.execPath, ['-e', '0']);
    const deadClaim = join(root, 'processing', `${child.pid}.0badc0de`);
    mkdirSync(deadClaim, { recursive: true });
    writeFileSync(join(deadClaim, 'orphan.json'), JSON.stringify({ id: 'orphan' }));
    const { seen, ingest } = recorder();
    await processInboxOnce({ directory: root, ingest });
    expect(seen).toEqual(['orphan']);
    expect(existsSync(deadClaim)).toBe(false);
    expect(readdirSync(join(root, 'processed'))).toEqual(['orphan.json']);
  });

  it('moves a refused file to failed/ with the error beside it, and ignores other names', async () => {
    const root = inbox();
    writeFileSync(join(root, 'bad.json'), JSON.stringify({ id: 'bad', fail: true }));
    writeFileSync(join(root, 'broken.json'), '{ not json');
    writeFileSync(join(root, 'notes.txt'), 'not a request');
    const results = await processInboxOnce({ directory: root, ...recorder() });
    expect(results.map((result) => [result.name, result.outcome])).toEqual([
      ['bad.json', 'failed'],
      ['broken.json', 'failed'],
    ]);
    expect(readFileSync(join(root, 'failed', 'bad.json.error.txt'), 'utf8')).toBe('request bad is refused\n');
    expect(readFileSync(join(root, 'failed', 'broken.json.error.txt'), 'utf8')).toMatch(/JSON/);
    expect(existsSync(join(root, 'notes.txt'))).toBe(true);
  });

  it('picks up, after a restart, a file a crashed run left in processing/, and keeps both copies of a repeated name', async () => {
    const root = inbox();
    mkdirSync(join(root, 'processing'), { recursive: true });
    writeFileSync(join(root, 'processing', 'crashed.json'), JSON.stringify({ id: 'crashed' }));
    const { seen, ingest } = recorder();
    await processInboxOnce({ directory: root, ingest });
    writeFileSync(join(root, 'crashed.json'), JSON.stringify({ id: 'again' }));
    await processInboxOnce({ directory: root, ingest });
    expect(seen).toEqual(['crashed', 'again']);
    expect(readdirSync(join(root, 'processed')).sort()).toEqual(['crashed.json', 'crashed.json.1']);
    expect(
      readdirSync(join(root, 'processing'), { withFileTypes: true }).filter((entry) => entry.isFile()),
    ).toEqual([]);
  });
});
