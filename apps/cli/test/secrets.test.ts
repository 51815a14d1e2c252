import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion, type CliRun } from './run-cli.js';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

const alphanumeric = (length: number): string =>
  [...randomBytes(length)]
    .map((byte) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[byte % 62])
    .join('');

/** Every file under `directory`, recursively, with its raw bytes as latin1 text. */
function filesUnder(directory: string): Array<{ file: string; bytes: string }> {
  const files: Array<{ file: string; bytes: string }> = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...filesUnder(path));
    else files.push({ file: path, bytes: readFileSync(path).toString('latin1') });
  }
  return files;
}

describe('promise 11: secrets stay secret', () => {
  it('a failing check that prints its environment gets no credential, and none reaches the store, exports, logs or the screen', async () => {
    const secrets = {
      ANTHROPIC_API_KEY: `sk-ant-api03-${alphanumeric(40)}`,
      GITHUB_TOKEN: `ghp_${alphanumeric(36)}`,
      MY_SERVICE_TOKEN: `svc-${randomBytes(12).toString('hex')}`,
    };
    // Token shapes and secret-named assignments the worker's environment does not hold.
    const strayToken = `ghp_${alphanumeric(36)}`;
    const strayPassword = `pw-${randomBytes(8).toString('hex')}`;
    temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
    const root = temporary.root;
    const outside = temporaryDirectory('hyperion-secrets');
    const environmentFile = join(outside, 'check-environment.txt');
    // A check that finds credentials some other way (a file, a keychain) prints them too.
    const leakedFile = join(outside, 'leaked.txt');
    writeFileSync(
      leakedFile,
      `github ${secrets.GITHUB_TOKEN}\nservice ${secrets.MY_SERVICE_TOKEN}\nstray ${strayToken}\nDEPLOY_PASSWORD=${strayPassword}\n`,
    );
    const runs: CliRun[] = [];
    const run = async (args: string[]): Promise<CliRun> => {
      const result = await hyperion([...args, '--repo', root], {
        env: { ...secrets, UNLISTED_SETTING: 'not-for-checks', HYPERION_USER: 'tester' },
      });
      runs.push(result);
      return result;
    };

    expect((await run(['init'])).code).toBe(0);
    const configFile = join(root, '.hyperion', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      configFile,
      JSON.stringify({
        ...config,
        checks: [
          {
            name: 'print-env',
            command: `env > '${environmentFile}'; cat '${leakedFile}'; env; exit 1`,
          },
        ],
        queue: { max_attempts: 1 },
        check_environment: { set: { CHECK_MODE: 'strict' } },
      }),
    );
    const changeFile = join(outside, 'change.json');
    writeFileSync(
      changeFile,
      JSON.stringify({
        task_id: 'T-1',
        agent: 'test',
        changes: [
          {
            path: 'a.txt',
            operation: 'update',
            patch: 'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n',
          },
        ],
      }),
    );
    const submitted = await run(['submit', changeFile, '--json']);
    expect(submitted.code, submitted.stderr).toBe(0);
    const entry = JSON.parse(submitted.stdout) as { id: string };
    await run(['worker', '--drain']);
    const shown = await run(['queue', 'show', entry.id, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout) as {
      entry: { state: string };
      events: Array<{ type: string; data: { output?: string } }>;
    };
    expect(detail.entry.state).toBe('quarantined');
    const exported = await run(['log', 'export']);
    expect(exported.code, exported.stderr).toBe(0);

    // The check ran with the minimal environment: no credential, nothing unlisted.
    const checkEnvironment = readFileSync(environmentFile, 'utf8');
    for (const name of [...Object.keys(secrets), 'UNLISTED_SETTING']) {
      expect(checkEnvironment).not.toMatch(new RegExp(`^${name}=`, 'm'));
    }
    expect(checkEnvironment).toMatch(/^PATH=/m);
    expect(checkEnvironment).toMatch(/^HOME=/m);
    expect(checkEnvironment).toMatch(/^CHECK_MODE=strict$/m);
    expect(checkEnvironment).toMatch(/^HYPERION_CHECK=print-env$/m);

    // What the check printed is kept, with the credentials it found redacted.
    const failed = detail.events.find((event) => event.type === 'check:failed');
    expect(failed?.data.output).toMatch(/^github \[redacted\]$/m);
    expect(failed?.data.output).toMatch(/^service \[redacted\]$/m);
    expect(failed?.data.output).toMatch(/^stray \[redacted\]$/m);
    expect(failed?.data.output).toMatch(/^DEPLOY_PASSWORD=\[redacted\]$/m);
    expect(failed?.data.output).toMatch(/^CHECK_MODE=strict$/m);

    const forbidden = [...Object.values(secrets), strayToken, strayPassword];
    const places = [
      ...filesUnder(join(root, '.hyperion')).map(({ file, bytes }) => ({ place: file, text: bytes })),
      ...runs.flatMap((result, index) => [
        { place: `run ${index} stdout`, text: result.stdout },
        { place: `run ${index} stderr`, text: result.stderr },
      ]),
    ];
    expect(places.map(({ place }) => place)).toContain(join(root, '.hyperion', 'hyperion.db'));
    expect(existsSync(join(root, '.hyperion', 'logs', 'hyperion.log'))).toBe(true);
    const leaks = places.flatMap(({ place, text }) =>
      forbidden.filter((secret) => text.includes(secret)).map((secret) => `${place}: ${secret.slice(0, 6)}…`),
    );
    expect(leaks).toEqual([]);
  });
});
