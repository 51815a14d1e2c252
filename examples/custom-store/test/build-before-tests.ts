import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Compiles the package before its tests: the conformance suite's child processes are plain Node,
 * so they import dist/, not the TypeScript sources. Skipped when the caller has built already
 * (the Hyperion workspace's `pnpm test` builds everything first and sets HYPERION_TEST_BUILT=1).
 */
export default function setup(): void {
  if (process.env['HYPERION_TEST_BUILT'] === '1') return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
}
