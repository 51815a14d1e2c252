export * from './default-secret-names.js';
export * from './build-agent-environment.js';
export * from './redact-secrets.js';
