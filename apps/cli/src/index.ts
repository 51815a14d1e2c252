export { runCli, createProgram } from './program.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
export { runDemo, type DemoResult } from './demo/run-demo.js';
export type { CommandOutput } from './output.js';
