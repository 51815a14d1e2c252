export * from './v1/index.js';
export * from './environment/index.js';
export * from './events/index.js';
export * from './structured-output/index.js';
export * from './stub/index.js';
export * from './command/index.js';
export * from './registry/index.js';
