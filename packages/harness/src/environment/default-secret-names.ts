/**
 * Names of environment variables that hold credentials. They never reach an agent started by the
 * command harness, and their values are redacted from events. Pass your own list to extend it.
 */
export const DEFAULT_SECRET_NAMES: readonly string[] = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'COPILOT_GITHUB_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'OPENAI_API_KEY',
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/** The variables an agent process gets from the parent environment by default. */
export const DEFAULT_ALLOWED_ENVIRONMENT: readonly string[] = ['PATH', 'HOME', 'LANG'];
