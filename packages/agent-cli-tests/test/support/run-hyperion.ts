import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `hyperion` binary. */
export const HYPERION_BIN = fileURLToPath(new URL('../../../../apps/cli/dist/bin.js', import.meta.url));

/** What one run of `hyperion` printed. */
export interface HyperionRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node apps/cli/dist/bin.js <args>` with `environment` added to a copy of this process's. */
export function hyperion(
  args: string[],
  environment: Record<string, string | undefined> = {},
): Promise<HyperionRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [HYPERION_BIN, ...args], {
      env: { ...process.env, HYPERION_LOG: undefined, HYPERION_AGENT: undefined, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}
