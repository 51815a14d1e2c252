/**
 * The hyperion command line: requests, the merge queue, workers, the dashboard and the demo.
 *
 * @packageDocumentation
 * @module @hyperion/cli
 */
export { runCli, createProgram } from './program.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
export { runDemo, type DemoResult } from './demo/run-demo.js';
export type { CommandOutput } from './output.js';
