export * from './command-harness.js';
export * from './expand-command-template.js';
export * from './kill-process-group.js';
export * from './usage-lines.js';
