import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { SqliteStore } from '@hyperion/store';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { BIN, hyperion } from './run-cli.js';
import { parsePrometheusStrictly, sampleValue } from './prometheus-text.js';

let temporary: TemporaryRepository | undefined;
const children: ChildProcess[] = [];
let blocker: Server | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await new Promise<void>((resolve) => (blocker === undefined ? resolve() : blocker.close(() => resolve())));
  blocker = undefined;
  await temporary?.cleanup();
  temporary = undefined;
});

async function submit(root: string, file: string): Promise<void> {
  const change = {
    task_id: `T-${file}`,
    agent: 'elsewhere',
    changes: [
      {
        path: file,
        operation: 'update',
        patch: `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-${file}\n+${file} changed\n`,
      },
    ],
  };
  const input = join(temporaryDirectory('hyperion-change'), `${file}.json`);
  writeFileSync(input, JSON.stringify(change));
  const submitted = await hyperion(['submit', input, '--repo', root]);
  expect(submitted.code, submitted.stderr).toBe(0);
}

async function landedInStore(root: string): Promise<number> {
  const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
  try {
    return (await store.listEvents()).filter((event) => event.type === 'entry:landed').length;
  } finally {
    await store.close();
  }
}

/** Starts `hyperion <command>` with `args`; resolves with the metrics URL it prints on stderr. */
function startWorker(
  root: string,
  args: string[],
  command = 'worker',
): { child: ChildProcess; url: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, command, '--repo', root, ...args], {
    env: { ...process.env, HYPERION_LOG: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /Metrics at (http:\/\/127\.0\.0\.1:(\d+)\/metrics)/.exec(stderr);
      if (match !== null) resolve(match[1]!);
    });
    child.on('close', () => reject(new Error(`the worker ended before serving metrics: ${stderr}`)));
  });
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, url, exited };
}

/** Scrapes `url` until `done` holds for the parsed families (the worker lands in its own time). */
async function scrapeUntil(
  url: string,
  done: (families: ReturnType<typeof parsePrometheusStrictly>) => boolean,
): Promise<ReturnType<typeof parsePrometheusStrictly>> {
  for (;;) {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusStrictly(await response.text());
    if (done(families)) return families;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('hyperion worker --metrics-port', () => {
  it('serves GET /metrics on loopback from the store on each scrape, 404 elsewhere, and closes on SIGTERM', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a.txt\n', 'b.txt': 'b.txt\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    await submit(root, 'a.txt');
    const worker = startWorker(root, ['--metrics-port', '0']);
    const url = await worker.url;
    const landed = (families: ReturnType<typeof parsePrometheusStrictly>) =>
      sampleValue(families, 'hyperion_changes_landed_total');
    const first = await scrapeUntil(url, (families) => landed(families) === 1);
    expect(sampleValue(first, 'hyperion_changes_enqueued_total')).toBe(1);
    expect(await landedInStore(root)).toBe(1);
    // A change submitted while it runs: the next scrapes read it from the store, the counter grows.
    await submit(root, 'b.txt');
    const second = await scrapeUntil(url, (families) => landed(families) === 2);
    expect(sampleValue(second, 'hyperion_changes_enqueued_total')).toBe(2);
    expect(sampleValue(second, 'hyperion_queue_entries', { state: 'landed' })).toBe(2);
    expect(second.get('hyperion_landing_latency_seconds')?.metrics[0]?.count).toBe('2');
    expect(await landedInStore(root)).toBe(2);

    const base = url.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/extra`)).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('run --no-tui --metrics-port 0 serves the same while its workers run, and closes with them', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a.txt\n' } });
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    await submit(root, 'a.txt');
    const run = startWorker(root, ['--no-tui', '--metrics-port', '0'], 'run');
    const url = await run.url;
    const families = await scrapeUntil(
      url,
      (parsed) => sampleValue(parsed, 'hyperion_changes_landed_total') === 1,
    );
    expect(sampleValue(families, 'hyperion_changes_enqueued_total')).toBe(1);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses a bad port as a usage error (exit 2), and a port in use naming it', async () => {
    for (const port of ['70000', '-1', 'http', '8080x']) {
      const run = await hyperion(['worker', '--once', '--metrics-port', port]);
      expect(run.code, port).toBe(2);
      expect(run.stderr, port).toMatch(
        /^error\[usage\]: option '--metrics-port <port>' argument .* is invalid/,
      );
    }
    const run = await hyperion(['run', '--no-tui', '--metrics-port', '65536']);
    expect(run.code).toBe(2);

    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a.txt\n' } });
    expect((await hyperion(['init', '--repo', temporary.root])).code).toBe(0);
    blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)),
    );
    const busy = await hyperion([
      'worker',
      '--once',
      '--metrics-port',
      String(taken),
      '--repo',
      temporary.root,
    ]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toBe(`error[usage]: --metrics-port ${taken}: port ${taken} on 127.0.0.1 is in use\n`);
  });
});
