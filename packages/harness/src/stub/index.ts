export * from './stub-edit.js';
export * from './stub-harness.js';
