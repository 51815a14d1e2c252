import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Builds the examples and the packages they use (turbo skips what is up to date). */
export default function setup(): void {
  // `pnpm test` builds everything first and says so: a second build here could race other projects.
  if (process.env['HYPERION_TEST_BUILT'] === '1') return;
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=./examples/*...', '--output-logs=errors-only'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}
