/**
 * Names of environment variables that hold credentials. They never reach an agent or a check, and
 * their values are redacted from everything Hyperion stores, exports, logs or prints. Pass your
 * own list to extend it.
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
  // PostgreSQL: the password, and the URLs a store is opened with (they may hold a password).
  'PGPASSWORD',
  'HYPERION_DATABASE_URL',
  'DATABASE_URL',
];

/** The variables an agent process gets from the parent environment by default. */
export const DEFAULT_ALLOWED_ENVIRONMENT: readonly string[] = ['PATH', 'HOME', 'LANG'];

/**
 * Names that look like credentials: a `_`-separated part that is `TOKEN` (or ends in it, such as
 * `AUTHTOKEN`), `SECRET(S)`, `PASSWORD`, `PASSWD`, `API_KEY`, `APIKEY`, `PRIVATE_KEY`,
 * `ACCESS_KEY`, `SECRET_KEY`, `CREDENTIAL(S)` or `AUTH`, in any case: `MY_SERVICE_TOKEN`,
 * `DB_PASSWORD`, `STRIPE_SECRET_KEY`, `npm_config__auth`. `MAX_TOKENS` is not one.
 */
export const SECRET_NAME_PATTERN =
  /(?:^|_)(?:[A-Z0-9]*TOKEN|SECRETS?|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|CREDENTIALS?|AUTH)(?:_|$)/i;

/**
 * True when `name` is a secret: in {@link DEFAULT_SECRET_NAMES}, in `extraNames`, or matching
 * {@link SECRET_NAME_PATTERN}.
 */
export function isSecretName(name: string, extraNames: readonly string[] = []): boolean {
  return DEFAULT_SECRET_NAMES.includes(name) || extraNames.includes(name) || SECRET_NAME_PATTERN.test(name);
}

/** Shortest value of a secret-named variable that {@link secretValuesOf} returns for redaction. */
export const MINIMUM_SECRET_LENGTH = 6;

/**
 * The values of every secret-named variable ({@link isSecretName}) of `environment`, to redact
 * from output. Values shorter than {@link MINIMUM_SECRET_LENGTH} are left out: replacing `1` or
 * `true` everywhere would destroy ordinary text, and they are no credential.
 */
export function secretValuesOf(
  environment: Record<string, string | undefined>,
  extraNames: readonly string[] = [],
): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined || value.length < MINIMUM_SECRET_LENGTH) continue;
    if (isSecretName(name, extraNames)) values.add(value);
  }
  return [...values];
}
