export * from './claude-code-harness.js';
