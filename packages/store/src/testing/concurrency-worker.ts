import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The worker each child process runs: open the store, lease and land until no work is pending,
 * print the ids it leased. Only the store interface is used.
 */
const WORKER_SOURCE = `
const [moduleUrl, argument, owner] = process.argv.slice(2);
const { openStore } = await import(moduleUrl);
const store = await openStore(argument);
const leased = [];
try {
  for (;;) {
    const entry = await store.leaseNext(owner, 600000, 'main');
    if (entry === undefined) {
      if (!(await store.hasPendingWork('main'))) break;
      await store.waitForChange(50);
      continue;
    }
    leased.push(entry.id);
    await store.recordEvent(entry.id, 'entry:applied', { mode: 'direct' }, owner);
    await store.transition(entry.id, {
      from: 'running', owner, to: 'landed', type: 'entry:landed', worker: owner, data: { commit: null },
    });
  }
} finally {
  await store.close();
}
process.stdout.write(JSON.stringify({ leased }));
`;

/** Runs `count` worker processes on the store at once; returns what each leased. */
export async function runWorkerProcesses(
  childProcess: { module: string; argument: string },
  count: number,
): Promise<string[][]> {
  const directory = mkdtempSync(join(tmpdir(), 'hyperion-store-conformance-'));
  try {
    const script = join(directory, 'worker.mjs');
    writeFileSync(script, WORKER_SOURCE);
    const moduleUrl = childProcess.module.startsWith('file:')
      ? childProcess.module
      : pathToFileURL(childProcess.module).href;
    const runs = Array.from({ length: count }, (_, index) =>
      runOne(script, [moduleUrl, childProcess.argument, `worker-${index + 1}`]),
    );
    return await Promise.all(runs);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function runOne(script: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`worker ${args[2]} exited with ${code}: ${stderr.trim()}`));
        return;
      }
      resolve((JSON.parse(stdout) as { leased: string[] }).leased);
    });
  });
}
