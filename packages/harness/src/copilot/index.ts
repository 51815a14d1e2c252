export * from './copilot-cli-harness.js';
