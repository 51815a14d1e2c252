import { spawn } from 'node:child_process';

/**
 * Applies the unified diff `diff` with `git apply` in `directory` (all hunks or none).
 * Resolves to `undefined` on success, else to git's error output.
 */
export function gitApply(diff: string, directory: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    const child = spawn('git', ['apply', '--whitespace=nowarn', '-'], {
      cwd: directory,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let errorOutput = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (errorOutput += chunk));
    child.on('error', (error) => resolvePromise(`git apply could not start: ${error.message}`));
    child.on('close', (code) =>
      resolvePromise(code === 0 ? undefined : errorOutput.trim() || `git apply exited with code ${code}`),
    );
    child.stdin.on('error', () => {
      // git exited before reading everything; the close handler reports why.
    });
    child.stdin.end(diff);
  });
}
