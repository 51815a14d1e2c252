export * from './harness-registry.js';
export * from './default-harness-registry.js';
export * from './resolve-harness-id.js';
