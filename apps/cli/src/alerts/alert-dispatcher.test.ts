import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertTargetSchema, type QueueEntry } from '@hyperion/schema';
import { temporaryDirectory } from '../../../../test-support/temporary-directory.js';
import { AlertDispatcher, type AlertLogger } from './alert-dispatcher.js';
import { buildAlertEvent } from './alert-event.js';

interface Logged {
  level: 'info' | 'warn' | 'error';
  record: Record<string, unknown>;
  message: string;
}

function collectingLogger(): { logger: AlertLogger; lines: Logged[] } {
  const lines: Logged[] = [];
  const log = (level: Logged['level']) => (record: Record<string, unknown>, message: string) =>
    void lines.push({ level, record, message });
  return { logger: { info: log('info'), warn: log('warn'), error: log('error') }, lines };
}

const ENTRY: QueueEntry = {
  id: 'chg-1',
  task_id: 'T-1',
  request_id: null,
  agent: 'a',
  summary: 'Break it',
  state: 'quarantined',
  priority: 0,
  attempts: 1,
  max_attempts: 1,
  lease_expiries: 0,
  depends_on: [],
  target_branch: 'main',
  paths: ['a.txt'],
  patch: 'the patch',
  patch_hash: 'h',
  base_commit: null,
  checks: [],
  lease_owner: null,
  lease_expires_at: null,
  not_before: null,
  last_error: 'check failed',
  landed_commit: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

function alert(id: string) {
  return buildAlertEvent(
    'quarantined',
    { entry_id: id, type: 'entry:quarantined', data: { reason: 'check failed' } },
    { ...ENTRY, id },
    new Date(0),
    [],
  );
}

describe('AlertDispatcher with real command targets', () => {
  it('retries a failing command a bounded number of times, then gives up and logs it; each target delivers on its own', async () => {
    const directory = temporaryDirectory('hyperion-alert-dispatch');
    const received = join(directory, 'received');
    const failing = AlertTargetSchema.parse({
      command: [process.execPath, '-e', 'process.stderr.write("no pager"); process.exit(3)'],
      retries: 2,
      backoff_ms: 0,
    });
    const hanging = AlertTargetSchema.parse({
      command: [process.execPath, '-e', 'setTimeout(() => {}, 1e9)'],
      retries: 0,
      timeout_ms: 200,
    });
    const recording = AlertTargetSchema.parse({
      command: [
        process.execPath,
        '-e',
        `let s = ''; process.stdin.on('data', (c) => (s += c)); process.stdin.on('end', () => require('fs').appendFileSync(${JSON.stringify(received)}, JSON.parse(s).entry.id + '\\n'))`,
      ],
      on: ['quarantined'],
    });
    const { logger, lines } = collectingLogger();
    const dispatcher = new AlertDispatcher([failing, hanging, recording], logger);
    dispatcher.notify(alert('chg-1'));
    dispatcher.notify(alert('chg-2'));
    // A check_failed alert goes to no target here: none asks for it.
    dispatcher.notify({ ...alert('chg-3'), event: 'check_failed' });
    await dispatcher.flush();

    expect(readFileSync(received, 'utf8')).toBe('chg-1\nchg-2\n');
    const failures = lines.filter((line) =>
      String(line.record['alert']).startsWith(`command ${process.execPath}`),
    );
    const ofFailing = failures.filter((line) => String(line.record['error'] ?? '').includes('exited with 3'));
    // Two alerts, each tried 1 + 2 times: two retries logged as warnings, then an error.
    expect(ofFailing.map((line) => [line.level, line.record['entry'], line.record['attempt']])).toEqual([
      ['warn', 'chg-1', 1],
      ['warn', 'chg-1', 2],
      ['error', 'chg-1', 3],
      ['warn', 'chg-2', 1],
      ['warn', 'chg-2', 2],
      ['error', 'chg-2', 3],
    ]);
    expect(ofFailing[0]!.record['error']).toBe('exited with 3: no pager');
    expect(ofFailing.at(-1)!.message).toBe('alert failed; giving up');
    const timedOut = lines.filter((line) => line.record['error'] === 'timed out after 200 ms');
    expect(timedOut.map((line) => line.record['entry'])).toEqual(['chg-1', 'chg-2']);
    // The log names the program, never its arguments.
    for (const line of lines) expect(String(line.record['alert'])).not.toContain('process.exit');
  });

  it('an alert never carries the patch, and its strings lose secret values and token shapes', () => {
    const built = buildAlertEvent(
      'check_failed',
      {
        entry_id: 'chg-1',
        type: 'check:failed',
        data: { name: 'test', exit_code: 1, output: 'DEPLOY_PASSWORD=hunter2hunter2 and s3cret-v4lue-1' },
      },
      { ...ENTRY, summary: 'uses s3cret-v4lue-1' },
      new Date(0),
      ['s3cret-v4lue-1'],
    );
    const text = JSON.stringify(built);
    expect(text).not.toContain('the patch');
    expect(text).not.toContain('s3cret-v4lue-1');
    expect(text).not.toContain('hunter2hunter2');
    expect(built.check).toMatchObject({
      name: 'test',
      exit_code: 1,
      output: 'DEPLOY_PASSWORD=[redacted] and [redacted]',
    });
    expect(built.reason).toBe("check 'test' failed");
  });

  it("delivers an alert queued just as the target's delivery loop ends", async () => {
    const target = AlertTargetSchema.parse({ command: ['unused'], on: ['quarantined'] });
    // The second alert arrives a few microtasks after the first is delivered: at one of these
    // depths, after the loop found its queue empty and before the loop was over.
    const runs: string[][] = [];
    for (let depth = 0; depth < 8; depth += 1) {
      const delivered: string[] = [];
      const { logger } = collectingLogger();
      let notified: () => void = () => undefined;
      const secondQueued = new Promise<void>((resolve) => (notified = resolve));
      const later = (hops: number, then: () => void): void =>
        hops === 0 ? then() : queueMicrotask(() => later(hops - 1, then));
      const noticing: AlertLogger = {
        ...logger,
        info: (record, message) => {
          logger.info(record, message);
          if (record['entry'] !== 'chg-1') return;
          later(depth, () => {
            dispatcher.notify(alert('chg-2'));
            notified();
          });
        },
      };
      const dispatcher = new AlertDispatcher([target], noticing, async (_target, _body, each) => {
        delivered.push(each.entry.id);
      });
      dispatcher.notify(alert('chg-1'));
      await dispatcher.flush();
      await secondQueued;
      // Every alert queued by now is delivered once flush resolves.
      await dispatcher.flush();
      runs.push(delivered);
    }
    expect(runs).toEqual(Array.from({ length: 8 }, () => ['chg-1', 'chg-2']));
  });
});
