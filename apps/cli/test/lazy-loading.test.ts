import { afterEach, describe, expect, it } from 'vitest';
import { createTemporaryRepository, type TemporaryRepository } from '@hyperion/git';
import { hyperion } from './run-cli.js';
import { hyperionLoading, packageOfPath } from './loaded-packages.js';

// A command loads what it uses, when it runs (the time it takes is `pnpm bench`'s `startup`
// section; here: what it loads). Each run records every module the process resolves.

/** What no command that only reads the store may load. */
const NOT_FOR_READING = [
  '@hyperion/tui',
  'ink',
  'react',
  '@hyperion/harness',
  '@hyperion/orchestrator',
  'gpt-tokenizer',
  'isomorphic-git',
  '@hyperion/store-postgres',
  'pg',
];

let temporary: TemporaryRepository | undefined;

afterEach(async () => {
  await temporary?.cleanup();
  temporary = undefined;
});

async function initializedRepository(): Promise<string> {
  temporary = await createTemporaryRepository({ files: { 'a.txt': 'a\n' } });
  const init = await hyperion(['init', '--repo', temporary.root]);
  expect(init.code, init.stderr).toBe(0);
  return temporary.root;
}

describe('lazy loading', () => {
  it('names the package of a module path, bundled or not', () => {
    expect(packageOfPath('/r/node_modules/.pnpm/ink@6.3.0/node_modules/ink/build/index.js')).toBe('ink');
    expect(packageOfPath('../../node_modules/.pnpm/@scope+x@1/node_modules/@scope/x/a.js')).toBe('@scope/x');
    expect(packageOfPath('../../packages/harness/src/index.ts')).toBe('@hyperion/harness');
    expect(packageOfPath('/w/packages/tui/dist/index.js')).toBe('@hyperion/tui');
    expect(packageOfPath('src/commands/queue.ts')).toBe('@hyperion/cli');
  });

  it('queue list --json reads the store without the terminal UI, harnesses, tokenizer or git libraries', async () => {
    const root = await initializedRepository();
    const run = await hyperionLoading(['queue', 'list', '--json', '--repo', root]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
    // The record is real: the store's driver and the schemas were loaded.
    expect(run.packages).toContain('better-sqlite3');
    expect(run.packages).toContain('@hyperion/schema');
    for (const name of NOT_FOR_READING) expect(run.packages, name).not.toContain(name);
  });

  it('requests --json and queue show load no more than queue list', async () => {
    const root = await initializedRepository();
    const requests = await hyperionLoading(['requests', '--json', '--repo', root]);
    expect(requests.code, requests.stderr).toBe(0);
    expect(requests.packages).toContain('better-sqlite3');
    for (const name of NOT_FOR_READING) expect(requests.packages, name).not.toContain(name);
    const show = await hyperionLoading(['queue', 'show', 'chg-missing', '--repo', root]);
    expect(show.code).not.toBe(0);
    expect(show.stderr).toMatch(/^error\[/);
    for (const name of NOT_FOR_READING) expect(show.packages, name).not.toContain(name);
  });

  it('report reads the store without the terminal UI, harnesses, tokenizer or git libraries', async () => {
    const root = await initializedRepository();
    for (const args of [['report', '--json'], ['report']]) {
      const run = await hyperionLoading([...args, '--repo', root]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.packages).toContain('better-sqlite3');
      for (const name of NOT_FOR_READING)
        expect(run.packages, `${args.join(' ')}: ${name}`).not.toContain(name);
    }
  });

  it('metrics --json and --prom read the store without the terminal UI, harnesses or git libraries', async () => {
    const root = await initializedRepository();
    for (const format of ['--json', '--prom']) {
      const run = await hyperionLoading(['metrics', format, '--repo', root]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.packages).toContain('better-sqlite3');
      for (const name of NOT_FOR_READING) expect(run.packages, `${format}: ${name}`).not.toContain(name);
    }
  });

  it('--help and a usage error open no store and load no git layer', async () => {
    for (const args of [['--help'], ['queue', 'list', '--state', 'nope']]) {
      const run = await hyperionLoading(args);
      expect(run.packages, args.join(' ')).toContain('commander');
      for (const name of [...NOT_FOR_READING, 'better-sqlite3', '@hyperion/git', '@hyperion/queue', 'pino']) {
        expect(run.packages, `${args.join(' ')}: ${name}`).not.toContain(name);
      }
    }
  });

  it('a command that needs the harnesses still loads them: request --agent checks the name', async () => {
    const root = await initializedRepository();
    const run = await hyperionLoading(['request', 'missing.json', '--repo', root, '--agent', 'copilto']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error\[usage\]: option '--agent <name>' argument 'copilto' is invalid\. expected one of .*stub/,
    );
    expect(run.packages).toContain('@hyperion/harness');
  });
});
