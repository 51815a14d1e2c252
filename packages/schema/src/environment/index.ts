export * from './secret-names.js';
export * from './build-environment.js';
export * from './check-environment.js';
export * from './redact-secrets.js';
