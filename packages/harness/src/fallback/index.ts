export * from './with-stub-fallback.js';
