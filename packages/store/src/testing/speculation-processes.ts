import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What each child process runs, through the store interface only. `turns`: take the build turn
 * `rounds` times; while holding it, append `start <owner>` and `end <owner>` to the log with a
 * short pause between. `hold`: take the turn, publish a candidate, print `held`, and wait to be
 * killed.
 */
const CHILD_SOURCE = `
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
const [moduleUrl, argument, mode, owner, ttl, rounds, log] = process.argv.slice(2);
const { openStore } = await import(moduleUrl);
const store = await openStore(argument);
const line = { targetBranch: 'main', location: 'conformance-objects' };
const ttlMs = Number(ttl);
async function takeTurn() {
  let { ticket, granted } = await store.enterBuildTurn(line, owner, ttlMs);
  while (!granted) {
    await store.waitForSpeculationChange(ttlMs / 3);
    const state = await store.checkBuildTurn(line, ticket, ttlMs);
    if (state === 'granted') granted = true;
    else if (state === 'lost') ({ ticket, granted } = await store.enterBuildTurn(line, owner, ttlMs));
  }
  return ticket;
}
if (mode === 'turns') {
  try {
    for (let round = 0; round < Number(rounds); round += 1) {
      const ticket = await takeTurn();
      appendFileSync(log, 'start ' + owner + '\\n');
      await sleep(5);
      appendFileSync(log, 'end ' + owner + '\\n');
      await store.leaveBuildTurn(line, ticket);
    }
  } finally {
    await store.close();
  }
  process.stdout.write('done');
} else {
  await takeTurn();
  await store.publishCandidate(
    { targetBranch: 'main', commit: 'c-' + owner, parent: 'tip', entryIds: ['E-' + owner], owner, location: line.location },
    ttlMs,
  );
  process.stdout.write('held\\n');
  await new Promise(() => undefined);
}
`;

/** A directory with the child script, removed by {@link SpeculationChildren.cleanUp}. */
export class SpeculationChildren {
  private readonly directory = mkdtempSync(join(tmpdir(), 'hyperion-speculation-conformance-'));
  private readonly script = join(this.directory, 'child.mjs');
  private readonly moduleUrl: string;
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly childProcess: { module: string; argument: string }) {
    writeFileSync(this.script, CHILD_SOURCE);
    this.moduleUrl = childProcess.module.startsWith('file:')
      ? childProcess.module
      : pathToFileURL(childProcess.module).href;
  }

  /** The shared log file the `turns` children append to. */
  get logPath(): string {
    return join(this.directory, 'turns.log');
  }

  /** The lines of the shared log. */
  logLines(): string[] {
    return readFileSync(this.logPath, 'utf8').trim().split('\n');
  }

  /** Runs `count` children taking `rounds` build turns each; resolves when all finished. */
  async runTurns(count: number, rounds: number, ttlMs: number): Promise<void> {
    writeFileSync(this.logPath, '');
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        this.finish(this.start(['turns', `child-${index + 1}`, String(ttlMs), String(rounds), this.logPath])),
      ),
    );
  }

  /** Starts a child that takes the turn and publishes a candidate; resolves once it holds both. */
  async startHolder(owner: string, ttlMs: number): Promise<ChildProcess> {
    const child = this.start(['hold', owner, String(ttlMs), '0', '']);
    await new Promise<void>((resolve, reject) => {
      let output = '';
      let errors = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('held')) resolve();
      });
      child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.on('close', (code) => reject(new Error(`holder exited with ${code}: ${errors.trim()}`)));
    });
    return child;
  }

  /** Kills `child` with SIGKILL and waits for it to be gone. */
  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGKILL');
    await closed;
  }

  /** Kills what still runs and removes the directory. */
  async cleanUp(): Promise<void> {
    for (const child of [...this.children]) await this.kill(child);
    rmSync(this.directory, { recursive: true, force: true });
  }

  private start(args: string[]): ChildProcess {
    const child = spawn(
      process.execPath,
      [this.script, this.moduleUrl, this.childProcess.argument, ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    return child;
  }

  private finish(child: ChildProcess): Promise<void> {
    return new Promise((resolve, reject) => {
      let errors = '';
      child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`child exited with ${code}: ${errors.trim()}`));
      });
    });
  }
}
