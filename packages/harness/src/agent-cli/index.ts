export * from './agent-cli-harness-options.js';
