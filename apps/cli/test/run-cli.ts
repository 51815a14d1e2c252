import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `hyperion` binary. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Builds the CLI and everything it depends on (turbo skips what is up to date). */
export function buildCli(): void {
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@hyperion/cli...', '--output-logs=errors-only'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

/** What one run of the binary printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link hyperion}. */
export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (tests running as root use it to meet real file permissions). */
  uid?: number;
  gid?: number;
  /** Close the reading end of standard output at once, as `| head -0` would. */
  closeStdout?: boolean;
}

/** Runs `hyperion <args>` as a real child process. */
export function hyperion(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, HYPERION_LOG: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    // The pipe exists before the child runs any code: its first write finds no reader.
    if (options.closeStdout === true) child.stdout.destroy();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
