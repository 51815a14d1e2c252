import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, runGit, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
  await temporary?.cleanup();
  temporary = undefined;
});

/** A secret of the worker's environment (a secret-looking name) that a summary quotes. */
const SECRET_VALUE = 'alert-test-secret-value-7d1f';
/** A token shape a check prints: redacted even though its value is known to nobody. */
const PRINTED_TOKEN = `ghp_${'Z'.repeat(36)}`;

/** Records each event it gets on stdin as one line of `out`; then waits until `release` exists. */
const RECORDER = `
const fs = require('node:fs');
const [out, release] = process.argv.slice(2);
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  fs.appendFileSync(out, JSON.stringify({ event: process.env.HYPERION_ALERT_EVENT, body: JSON.parse(input), secret: process.env.ALERT_TEST_TOKEN ?? null }) + '\\n');
  const wait = () => (fs.existsSync(release) ? process.exit(0) : setTimeout(wait, 20));
  wait();
});
`;

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook on loopback that answers 500 to its first request and 200 to the others. */
async function startWebhook(received: Received[]): Promise<number> {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const status = received.length === 0 ? 500 : 200;
      received.push({ url: request.url ?? '', headers: request.headers, body, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as AddressInfo).port;
}

function changeFile(directory: string, name: string, value: unknown): string {
  const file = join(directory, `${name}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

function newFilePatch(path: string, line: string): string {
  return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${line}\n`;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  // No time limit of its own: the test's timeout ends a wait that never comes true.
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('alerts', () => {
  it('sends quarantined and conflicted entries to a command and a webhook, retries a failed delivery, never holds up the queue, never carries a secret', async () => {
    temporary = await createTemporaryRepository({ files: { 'README.md': '# r\n', 'a.txt': 'a\n' } });
    const root = temporary.root;
    const scratch = temporaryDirectory('hyperion-alerts');
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    const received: Received[] = [];
    const port = await startWebhook(received);
    const recorder = join(scratch, 'recorder.js');
    writeFileSync(recorder, RECORDER);
    const recorded = join(scratch, 'recorded.jsonl');
    const release = join(scratch, 'release');
    const configFile = join(root, '.hyperion', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    const check = `node -e "if (require('fs').existsSync('broken.txt')) { console.log('token ${PRINTED_TOKEN}'); process.exit(1) }"`;
    writeFileSync(
      configFile,
      JSON.stringify({
        ...config,
        workers: 1,
        checks: [{ name: 'test', command: check }],
        queue: { max_attempts: 1, strategy: { name: 'serial' } },
        alerts: [
          {
            command: [process.execPath, recorder, recorded, release],
            on: ['quarantined', 'conflicted', 'check_failed'],
            timeout_ms: 600_000,
            env: ['ALERT_TEST_TOKEN'],
          },
          {
            webhook: `http://alice:pa55-w0rd-zz@127.0.0.1:${port}/hooks/T0SECRETPATH?key=qk-zz`,
            retries: 3,
            backoff_ms: 20,
          },
        ],
      }),
    );
    const base = (await runGit(['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
    const submit = async (name: string, change: Record<string, unknown>) => {
      const result = await hyperion(['submit', changeFile(scratch, name, change), '--json', '--repo', root]);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { id: string }).id;
    };
    const broken = await submit('broken', {
      task_id: 'T-broken',
      agent: 'a',
      summary: `Break the build with ${SECRET_VALUE}`,
      base_commit: base,
      changes: [{ path: 'broken.txt', operation: 'create', patch: newFilePatch('broken.txt', 'x') }],
    });
    const clash = await submit('clash', {
      task_id: 'T-clash',
      agent: 'a',
      summary: 'Change a',
      base_commit: base,
      changes: [
        { path: 'a.txt', operation: 'update', patch: '--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+c\n' },
      ],
    });
    const good = await submit('good', {
      task_id: 'T-good',
      agent: 'a',
      summary: 'Add good',
      base_commit: base,
      changes: [{ path: 'good.txt', operation: 'create', patch: newFilePatch('good.txt', 'good') }],
    });
    // Another writer changes a.txt on the branch: the clash no longer applies.
    writeFileSync(join(root, 'a.txt'), 'x\n');
    await runGit(['-c', 'user.name=P', '-c', 'user.email=p@localhost', 'commit', '-qam', 'x'], { cwd: root });

    const worker = hyperion(['worker', '--drain', '--repo', root], {
      env: { ALERT_TEST_TOKEN: SECRET_VALUE },
    });
    // The command target does not return until `release` exists; the queue goes on all the same.
    const states = async () => {
      const listed = await hyperion(['queue', 'list', '--json', '--repo', root]);
      return new Map(
        (JSON.parse(listed.stdout) as Array<{ id: string; state: string }>).map((entry) => [
          entry.id,
          entry.state,
        ]),
      );
    };
    await waitFor(async () => (await states()).get(good) === 'landed');
    const finished = await states();
    expect(finished.get(broken)).toBe('quarantined');
    expect(finished.get(clash)).toBe('conflicted');
    expect(existsSync(recorded)).toBe(true);
    writeFileSync(release, '');
    const done = await worker;
    expect(done.code, done.stderr).toBe(0);

    // The command got every event it asked for, in order, with the variable it was given.
    const lines = readFileSync(recorded, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            event: string;
            secret: string | null;
            body: { event: string; entry: { id: string }; reason: string; check: { output: string } | null };
          },
      );
    expect(lines.map((line) => [line.event, line.body.event, line.body.entry.id])).toEqual([
      ['check_failed', 'check_failed', broken],
      ['quarantined', 'quarantined', broken],
      ['conflicted', 'conflicted', clash],
    ]);
    expect(lines[0]!.secret).toBe(SECRET_VALUE);
    expect(lines[1]!.body.reason).toMatch(/check 'test' failed/);
    expect(lines[1]!.body.check?.output).toContain('token [redacted]');

    // The webhook: the first delivery failed (500) and was retried; quarantined and conflicted only.
    expect(received.map((request) => request.status)).toEqual([500, 200, 200]);
    expect(received[0]!.body).toBe(received[1]!.body);
    const bodies = received
      .slice(1)
      .map((request) => JSON.parse(request.body) as { event: string; entry: { id: string } });
    expect(bodies.map((body) => [body.event, body.entry.id])).toEqual([
      ['quarantined', broken],
      ['conflicted', clash],
    ]);
    for (const request of received) {
      expect(request.url).toBe('/hooks/T0SECRETPATH?key=qk-zz');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['authorization']).toBe(
        `Basic ${Buffer.from('alice:pa55-w0rd-zz').toString('base64')}`,
      );
    }
    const conflicted = JSON.parse(received[2]!.body) as { conflict: { files: Array<{ path: string }> } };
    expect(conflicted.conflict.files.map((file) => file.path)).toEqual(['a.txt']);

    // No payload carries the secret, the printed token or the patch.
    for (const payload of [
      ...lines.map((line) => JSON.stringify(line.body)),
      ...received.map((request) => request.body),
    ]) {
      expect(payload).not.toContain(SECRET_VALUE);
      expect(payload).not.toContain(PRINTED_TOKEN);
      expect(payload).not.toContain('new file mode');
    }
    expect(JSON.stringify(lines[1]!.body)).toContain('Break the build with [redacted]');

    // The failure was logged, and the log names the webhook by its host alone.
    const log = readFileSync(join(root, '.hyperion', 'logs', 'hyperion.log'), 'utf8');
    expect(log).toContain('alert failed; retrying');
    expect(log).toContain(`webhook http://127.0.0.1:${port}`);
    expect(log).toContain('answered HTTP 500');
    for (const secret of ['pa55-w0rd-zz', 'T0SECRETPATH', 'qk-zz', SECRET_VALUE])
      expect(log).not.toContain(secret);
  });

  it('refuses a bad alert target: exit 3 naming the field', async () => {
    temporary = await createTemporaryRepository();
    const root = temporary.root;
    expect((await hyperion(['init', '--repo', root])).code).toBe(0);
    const configFile = join(root, '.hyperion', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    const cases: Array<[unknown, RegExp]> = [
      [
        { webhook: 'ftp://user:hunter22@example.com/x' },
        /alerts\[0\]\.webhook: must be an http:\/\/ or https:\/\/ URL, not ftp:/,
      ],
      [
        { command: ['x'], webhook: 'https://example.com' },
        /alerts\[0\]: give exactly one of command or webhook/,
      ],
      [{ command: ['x'], on: ['landed'] }, /alerts\[0\]\.on\[0\]/],
      [{ command: [] }, /alerts\[0\]\.command/],
    ];
    for (const [target, message] of cases) {
      writeFileSync(configFile, JSON.stringify({ ...config, alerts: [target] }));
      const result = await hyperion(['queue', 'list', '--repo', root]);
      expect(result.code, JSON.stringify(target)).toBe(3);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('hunter22');
    }
  });
});
