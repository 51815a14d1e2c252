import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Builds the hyperion CLI and what it depends on (turbo skips what is up to date) for the end-to-end tests. */
export default function setup(): void {
  // `pnpm test` builds everything first and says so: a second build here could race other projects.
  if (process.env['HYPERION_TEST_BUILT'] === '1') return;
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@hyperion/cli...', '--output-logs=errors-only'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}
