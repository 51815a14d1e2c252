import { buildCli } from './run-cli.js';

/** Builds the CLI once before its tests spawn the real binary. */
export default function setup(): void {
  // `pnpm test` builds everything first and says so: a second build here could race other projects.
  if (process.env['HYPERION_TEST_BUILT'] === '1') return;
  buildCli();
}
