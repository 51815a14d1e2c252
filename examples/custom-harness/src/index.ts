export { JsonLinesHarness, type JsonLinesHarnessOptions } from './json-lines-harness.js';
export type { AgentLine } from './agent-line.js';
