export * from './validate-structured-output.js';
