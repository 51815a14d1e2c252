import { buildCli } from './run-cli.js';

/** Builds the CLI once before its tests spawn the real binary. */
export default function setup(): void {
  buildCli();
}
