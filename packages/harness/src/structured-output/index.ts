export * from './validate-structured-output.js';
export * from './read-structured-output.js';
