import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_ENVIRONMENT, REDACTED, type CheckConfig } from '@hyperion/schema';
import { temporaryDirectory } from '../../../test-support/temporary-directory.js';
import { CHECK_OUTPUT_LIMIT, ShellCheckRunner, type CheckRunResult } from './check-runner.js';
import {
  changeRequest,
  createQueueFixture,
  replaceFilePatch,
  type QueueFixture,
} from './testing/queue-fixture.js';

const githubToken = `ghp_${'Zy9Xw8Vu7T'.repeat(4).slice(0, 36)}`;
const serviceToken = 'svc-4f1d2c3b4a5e6f70';

const check = (command: string, name = 'probe'): CheckConfig => ({
  name,
  command,
  timeout_ms: 30_000,
  retries: 0,
});

/** The variables a check printed with `env`, by name. */
function printedEnvironment(result: CheckRunResult): Record<string, string> {
  return Object.fromEntries(
    result.output
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('ShellCheckRunner environment', () => {
  const worker = {
    PATH: process.env['PATH'],
    HOME: '/home/worker',
    LANG: 'C.UTF-8',
    GITHUB_TOKEN: githubToken,
    MY_SERVICE_TOKEN: serviceToken,
    UNLISTED_SETTING: 'not-for-checks',
  };

  it('gives a check only the allowed variables, the literal ones and HYPERION_CHECK, never a credential', async () => {
    const runner = new ShellCheckRunner({
      baseEnvironment: worker,
      environment: {
        allow: ['PATH', 'HOME', 'LANG', 'GITHUB_TOKEN', 'MY_SERVICE_TOKEN'],
        set: { MODE: 'strict' },
      },
    });
    const result = await runner.run(check('env'), temporaryDirectory('hyperion-check'));
    expect(result.passed).toBe(true);
    const environment = printedEnvironment(result);
    expect(environment).toMatchObject({
      PATH: worker.PATH,
      HOME: '/home/worker',
      MODE: 'strict',
      HYPERION_CHECK: 'probe',
    });
    // What sh adds itself (PWD, SHLVL, _) aside, nothing else came through.
    expect(
      Object.keys(environment)
        .filter((name) => !['PWD', 'OLDPWD', 'SHLVL', '_'].includes(name))
        .sort(),
    ).toEqual(['HOME', 'HYPERION_CHECK', 'LANG', 'MODE', 'PATH']);
  });

  it('uses the default allow-list when given no configuration: a check still finds its tools', async () => {
    const result = await new ShellCheckRunner({ baseEnvironment: { ...process.env, ...worker } }).run(
      check('node -e "process.exit(process.env.GITHUB_TOKEN === undefined ? 0 : 1)" && env'),
      temporaryDirectory('hyperion-check'),
    );
    expect(result.passed).toBe(true);
    const names = Object.keys(printedEnvironment(result));
    expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'LANG', 'HYPERION_CHECK']));
    const unexpected = names.filter(
      (name) =>
        !DEFAULT_CHECK_ENVIRONMENT.includes(name) &&
        !name.startsWith('LC_') &&
        !['HYPERION_CHECK', 'PWD', 'OLDPWD', 'SHLVL', '_'].includes(name),
    );
    expect(unexpected).toEqual([]);
  });

  it("redacts the worker's secret values, token shapes and secret assignments from what a check prints", async () => {
    const directory = temporaryDirectory('hyperion-check');
    const stray = `gho_${'q'.repeat(36)}`;
    writeFileSync(
      join(directory, 'found.txt'),
      `gh ${githubToken}\nsvc ${serviceToken}\nstray ${stray}\nDEPLOY_PASSWORD=hunter2hunter2\n`,
    );
    const result = await new ShellCheckRunner({ baseEnvironment: worker }).run(
      check('cat found.txt; exit 3'),
      directory,
    );
    expect(result.exitCode).toBe(3);
    expect(result.output).toBe(
      `gh ${REDACTED}\nsvc ${REDACTED}\nstray ${REDACTED}\nDEPLOY_PASSWORD=${REDACTED}\n`,
    );
  });

  it('keeps the tail of long output without the piece of a secret cut in two', async () => {
    const directory = temporaryDirectory('hyperion-check');
    // The kept tail starts 8 characters before the end of the secret's line.
    const filler = 'b\n'.repeat((CHECK_OUTPUT_LIMIT - 8) / 2);
    writeFileSync(join(directory, 'long.txt'), `${'a'.repeat(1000)}${serviceToken}\n${filler}`);
    const result = await new ShellCheckRunner({ baseEnvironment: worker }).run(
      check('cat long.txt'),
      directory,
    );
    expect(result.output.length).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(result.output.endsWith('b\nb\n')).toBe(true);
    for (const piece of [serviceToken, serviceToken.slice(-8), serviceToken.slice(-6)]) {
      expect(result.output).not.toContain(piece);
    }
  });
});

describe('MergeQueue checks and secrets', () => {
  let fixture: QueueFixture | undefined;
  const saved = { ...process.env };

  afterEach(async () => {
    await fixture?.cleanup();
    fixture = undefined;
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("runs configured checks with the configured environment, and redacts any runner's output before it becomes an event", async () => {
    process.env['MY_QUEUE_TOKEN'] = serviceToken;
    process.env['UNLISTED_SETTING'] = 'not-for-checks';
    const outside = temporaryDirectory('hyperion-check');
    writeFileSync(join(outside, 'found.txt'), `found ${serviceToken}\n`);
    const environmentFile = join(outside, 'environment.txt');
    fixture = await createQueueFixture({
      files: { 'a.txt': 'one\n' },
      config: {
        checks: [
          {
            name: 'leaky',
            command: `env > '${environmentFile}'; cat '${join(outside, 'found.txt')}'; exit 1`,
          },
        ],
        queue: { max_attempts: 1 },
        check_environment: { set: { MODE: 'queue' } },
      },
    });
    await fixture.queue.submit(changeRequest('T-1', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'ONE\n')));
    await fixture.queue.runWorkers({ mode: 'drain' });
    const checkEnvironment = readFileSync(environmentFile, 'utf8');
    expect(checkEnvironment).toMatch(/^MODE=queue$/m);
    expect(checkEnvironment).not.toMatch(/^(MY_QUEUE_TOKEN|UNLISTED_SETTING)=/m);

    // A runner that knows no secret (a remote CI, say): the queue redacts its output all the same.
    const queue = fixture.openAnotherQueue({
      checkRunner: new ShellCheckRunner({ baseEnvironment: { PATH: process.env['PATH'] } }),
    });
    const outputs: string[] = [];
    queue.events.on('check:finished', ({ result }) => outputs.push(result.output));
    queue.events.on('event:recorded', ({ event }) => outputs.push(JSON.stringify(event.data)));
    await queue.submit(changeRequest('T-2', 'a.txt', replaceFilePatch('a.txt', 'one\n', 'TWO\n')));
    await queue.runWorkers({ mode: 'drain' });
    expect(outputs.find((output) => output.startsWith('found'))).toBe(`found ${REDACTED}\n`);
    expect(outputs.filter((output) => output.includes(serviceToken))).toEqual([]);
  });
});
