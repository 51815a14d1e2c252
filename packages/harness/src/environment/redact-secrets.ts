/** What replaces a secret value in redacted text. */
export const REDACTED = '[redacted]';

/** `text` with every occurrence of each non-empty secret value replaced by {@link REDACTED}. */
export function redactSecrets(text: string, secretValues: readonly string[]): string {
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = secretValues
    .filter((value) => value !== '')
    .sort((left, right) => right.length - left.length);
  let redacted = text;
  for (const value of ordered) redacted = redacted.split(value).join(REDACTED);
  return redacted;
}

/** A deep copy of `value` with {@link redactSecrets} applied to every string in it, keys included. */
export function redactSecretsDeep(value: unknown, secretValues: readonly string[]): unknown {
  if (secretValues.length === 0) return value;
  if (typeof value === 'string') return redactSecrets(value, secretValues);
  if (Array.isArray(value)) return value.map((item) => redactSecretsDeep(item, secretValues));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        redactSecrets(key, secretValues),
        redactSecretsDeep(item, secretValues),
      ]),
    );
  }
  return value;
}
