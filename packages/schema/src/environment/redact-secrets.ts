import { isSecretName } from './secret-names.js';

/** What replaces a secret in redacted text. */
export const REDACTED = '[redacted]';

/**
 * Shapes of well-known credentials, redacted wherever they appear even when their value is not
 * known: GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), Anthropic
 * (`sk-ant-`) and OpenAI (`sk-`, `sk-proj-`) keys, AWS access key ids (`AKIA`, `ASIA`), npm tokens
 * (`npm_`), Slack tokens (`xox…-`) and PEM private key blocks.
 */
export const SECRET_TOKEN_PATTERNS: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g,
  /\bsk-ant-[A-Za-z0-9_-]{20,}/g,
  /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}/g,
  /\bsk-[A-Za-z0-9]{20,}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/**
 * What every {@link SECRET_TOKEN_PATTERNS} match starts with: text without any of these holds no
 * such token, and the patterns are not run on it (most text a store or a log redacts is paths,
 * ids and hashes). A pattern added above needs its start here.
 */
const SECRET_TOKEN_START = /gh[pousr]_|github_pat_|sk-|AKIA|ASIA|npm_|xox[abposr]-|-----BEGIN /;

/** Every {@link SECRET_ASSIGNMENT} match holds one of these: text without them holds none. */
const ASSIGNMENT_SEPARATOR = /[=:]/;

/**
 * An assignment to an upper-case secret-looking name, as `env`, shells, `util.inspect` and JSON
 * print one: `GITHUB_TOKEN=…`, `DEPLOY_PASSWORD="…"`, `DB_PASSWORD: '…'`, `"API_KEY": "…"`. Group
 * 1 is the name, 2 what separates it from the value, then the value: quoted (3 in double quotes,
 * 4 in single ones, escapes included) or bare (5). After a `:` only a quoted value counts, so
 * prose such as `rejected by A_TOKEN: reason` is left alone.
 */
const SECRET_ASSIGNMENT =
  /\b([A-Z][A-Z0-9_]*)(=|["']?\s*:\s*(?=["']))(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|([^\s"',;\\]+))/g;

function redactAssignments(text: string): string {
  return text.replace(
    SECRET_ASSIGNMENT,
    (
      whole,
      name: string,
      separator: string,
      double: string | undefined,
      single: string | undefined,
      bare: string | undefined,
    ) => {
      const value = double ?? single ?? bare ?? '';
      if (value === '' || value === REDACTED || !isSecretName(name)) return whole;
      const quote = double !== undefined ? '"' : single !== undefined ? "'" : '';
      return `${name}${separator}${quote}${REDACTED}${quote}`;
    },
  );
}

/**
 * `text` with every occurrence of each non-empty value of `secretValues` replaced by
 * {@link REDACTED}, longest first (so a secret that contains another is replaced whole). Only the
 * known values: for text that must otherwise stay as written (a submitted patch).
 */
export function redactSecretValues(text: string, secretValues: readonly string[]): string {
  const ordered = secretValues
    .filter((value) => value !== '')
    .sort((left, right) => right.length - left.length);
  let redacted = text;
  for (const value of ordered) redacted = redacted.split(value).join(REDACTED);
  return redacted;
}

/**
 * `text` with secrets replaced by {@link REDACTED}: the known `secretValues`
 * ({@link redactSecretValues}), every {@link SECRET_TOKEN_PATTERNS} match, and the value of every
 * assignment to a secret-looking upper-case name (`MY_SERVICE_TOKEN=…`, `"DB_PASSWORD": "…"`).
 */
export function redactSecrets(text: string, secretValues: readonly string[]): string {
  // Each step runs only when the text can hold what it replaces; the result is the same.
  let redacted = secretValues.some((value) => value !== '' && text.includes(value))
    ? redactSecretValues(text, secretValues)
    : text;
  if (SECRET_TOKEN_START.test(redacted)) {
    for (const pattern of SECRET_TOKEN_PATTERNS) redacted = redacted.replace(pattern, REDACTED);
  }
  return ASSIGNMENT_SEPARATOR.test(redacted) ? redactAssignments(redacted) : redacted;
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * A deep copy of `value` with `redact` applied to every string in it, keys included. Objects with
 * a `toJSON` (a `Date`) are replaced by what it returns, as `JSON.stringify` would.
 */
export function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'object' && value !== null && hasToJson(value))
    return redactDeep(value.toJSON(), redact);
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redact(key), redactDeep(item, redact)]),
    );
  }
  return value;
}

/** A deep copy of `value` with {@link redactSecrets} applied to every string in it, keys included. */
export function redactSecretsDeep(value: unknown, secretValues: readonly string[]): unknown {
  return redactDeep(value, (text) => redactSecrets(text, secretValues));
}
