import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import type { QueueEvent } from '@hyperion/schema';
import { SqliteStore } from '@hyperion/store';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { hyperion } from './run-cli.js';
import { parsePrometheusStrictly, sampleValue } from './prometheus-text.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

/** A repository with three files and a `test` check that fails its first run only (a flake). */
async function repositoryWithFlakyCheck(): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' } });
  const { root } = temporary;
  expect((await hyperion(['init', '--repo', root])).code).toBe(0);
  const flag = join(temporaryDirectory('hyperion-flake'), 'failed-once');
  const configFile = join(root, '.hyperion', 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  config['checks'] = [
    { name: 'test', command: `[ -f '${flag}' ] || { touch '${flag}'; exit 1; }`, retries: 1 },
  ];
  config['queue'] = {
    ...(config['queue'] as Record<string, unknown>),
    strategy: { name: 'serial', max_batch: 8, batch_wait_ms: 0, flake_reruns: 1 },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return root;
}

/** Submits a change of `file` (its one line becomes upper case). */
async function submit(root: string, file: string): Promise<void> {
  const line = readFileSync(join(root, file), 'utf8').trim();
  const change = {
    task_id: `T-${file}`,
    agent: 'elsewhere',
    changes: [
      {
        path: file,
        operation: 'update',
        patch: `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-${line}\n+${line.toUpperCase()}\n`,
      },
    ],
  };
  const input = join(temporaryDirectory('hyperion-change'), `${file}.json`);
  writeFileSync(input, JSON.stringify(change));
  const submitted = await hyperion(['submit', input, '--repo', root]);
  expect(submitted.code, submitted.stderr).toBe(0);
}

async function storeEvents(root: string): Promise<QueueEvent[]> {
  const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
  try {
    return await store.listEvents();
  } finally {
    await store.close();
  }
}

function countOf(events: readonly QueueEvent[], type: QueueEvent['type']): number {
  return events.filter((event) => event.type === type).length;
}

interface MetricsJson {
  since: number | null;
  enqueued: number;
  landed: number;
  conflicted: number;
  quarantined: number;
  successRate: number | null;
  latency: { count: number; sumMs: number; p50Ms: number | null; p95Ms: number | null };
  checks: {
    runs: number;
    failures: number;
    flakes: number;
    runsPerLanded: number | null;
    byName: Array<{ name: string; runs: number }>;
  };
  queue: Record<string, number>;
}

describe('hyperion metrics', () => {
  it('--json and --prom agree with a hand count of the events a real worker wrote', async () => {
    const root = await repositoryWithFlakyCheck();
    for (const file of ['a.txt', 'b.txt', 'c.txt']) await submit(root, file);
    const worker = await hyperion(['worker', '--drain', '--workers', '1', '--repo', root, '--json']);
    expect(worker.code, worker.stderr).toBe(0);
    expect(JSON.parse(worker.stdout)).toEqual({ mode: 'drain', summary: { landed: 3 } });

    const events = await storeEvents(root);
    // The hand count: three submissions, three landings; the check ran once per change, plus
    // the first change's failed run before its retry passed (one flake).
    const submittedAt = new Map(
      events.filter((event) => event.type === 'entry:enqueued').map((event) => [event.entry_id, event.at]),
    );
    const latencies = events
      .filter((event) => event.type === 'entry:landed')
      .map((event) => Date.parse(event.at) - Date.parse(submittedAt.get(event.entry_id)!))
      .sort((left, right) => left - right);
    expect(countOf(events, 'entry:enqueued')).toBe(3);
    expect(countOf(events, 'entry:landed')).toBe(3);
    expect(countOf(events, 'check:passed')).toBe(3);
    expect(countOf(events, 'check:flaked')).toBe(1);

    const json = await hyperion(['metrics', '--json', '--repo', root]);
    expect(json.code, json.stderr).toBe(0);
    const metrics = JSON.parse(json.stdout) as MetricsJson;
    expect(metrics).toMatchObject({
      since: null,
      enqueued: 3,
      landed: 3,
      conflicted: 0,
      quarantined: 0,
      successRate: 1,
      queue: { landed: 3 },
    });
    expect(metrics.latency).toEqual({
      count: 3,
      sumMs: latencies.reduce((total, latency) => total + latency, 0),
      p50Ms: latencies[1],
      p90Ms: latencies[2],
      p95Ms: latencies[2],
    });
    expect(metrics.checks).toMatchObject({ runs: 4, failures: 1, flakes: 1, runsPerLanded: 4 / 3 });
    expect(metrics.checks.byName.map((check) => [check.name, check.runs])).toEqual([['test', 4]]);

    const prom = await hyperion(['metrics', '--prom', '--repo', root]);
    expect(prom.code, prom.stderr).toBe(0);
    const families = parsePrometheusStrictly(prom.stdout);
    expect(sampleValue(families, 'hyperion_changes_landed_total')).toBe(3);
    expect(sampleValue(families, 'hyperion_changes_enqueued_total')).toBe(3);
    expect(sampleValue(families, 'hyperion_check_runs_total', { check: 'test' })).toBe(4);
    expect(sampleValue(families, 'hyperion_check_flakes_total', { check: 'test' })).toBe(1);
    expect(sampleValue(families, 'hyperion_success_ratio')).toBe(1);
    expect(sampleValue(families, 'hyperion_queue_entries', { state: 'landed' })).toBe(3);
    const summary = families.get('hyperion_landing_latency_seconds');
    expect(summary?.type).toBe('SUMMARY');
    expect(summary?.metrics[0]).toMatchObject({
      count: '3',
      quantiles: { '0.5': String(latencies[1]! / 1000), '0.95': String(latencies[2]! / 1000) },
    });

    // Every event is recent: the last hour is the whole log; the window ahead of now is empty.
    const window = JSON.parse(
      (await hyperion(['metrics', '--since', '1h', '--json', '--repo', root])).stdout,
    ) as MetricsJson;
    expect(window).toMatchObject({ enqueued: 3, landed: 3, latency: { count: 3 }, checks: { runs: 4 } });
    expect(typeof window.since).toBe('number');

    const text = await hyperion(['metrics', '--repo', root]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/landed 3 of 3 submitted/);
    expect(text.stdout).toMatch(/checks: 4 runs \(1\.33 per landed\) · 1 failed · 1 flaked/);
  });

  it('neutralizes stored text: a hostile check name stays one escaped label and prints no control sequence', async () => {
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const { root } = temporary;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    await submit(root, 'a.txt');
    const hostile = 'evil"} 1\nhyperion_changes_landed_total 999\n\u001b[2J\\';
    const store = SqliteStore.open(join(root, '.hyperion', 'hyperion.db'));
    const [entry] = await store.listEntries();
    await store.recordEvent(entry!.id, 'check:failed', { name: hostile, duration_ms: 10 });
    await store.close();

    const prom = await hyperion(['metrics', '--prom', '--repo', root]);
    expect(prom.code, prom.stderr).toBe(0);
    expect(prom.stdout).not.toContain('\u001b');
    const families = parsePrometheusStrictly(prom.stdout);
    expect(sampleValue(families, 'hyperion_changes_landed_total')).toBe(0);
    const runs = families.get('hyperion_check_runs_total')!.metrics;
    expect(runs).toHaveLength(1);
    const label = runs[0]!.labels!['check']!;
    // eslint-disable-next-line no-control-regex -- the test looks for raw control characters
    expect(label).not.toMatch(/[\u0000-\u001f]/);
    expect(label).toContain('evil"} 1');
    const text = await hyperion(['metrics', '--repo', root]);
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).not.toMatch(/^hyperion_changes_landed_total 999/m);
    const json = await hyperion(['metrics', '--json', '--repo', root]);
    expect(json.stdout).not.toContain('\u001b');
    expect((JSON.parse(json.stdout) as MetricsJson).checks.byName[0]!.name).toBe(hostile);
  });

  it('refuses --json with --prom and a bad --since, as usage errors', async () => {
    const both = await hyperion(['metrics', '--json', '--prom']);
    expect(both.code).toBe(2);
    const since = await hyperion(['metrics', '--since', 'yesterday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(
      /^error\[usage\]: option '--since <duration>' argument 'yesterday' is invalid/,
    );
  });
});
