import { redactSecrets, redactSecretsDeep } from '@hyperion/schema';

/**
 * True when `value` (deeply, keys included) holds a string that {@link redactSecrets} would
 * change, or something whose JSON form cannot be told from the value itself (an object with a
 * `toJSON`).
 */
function needsRedaction(value: unknown, secretValues: readonly string[]): boolean {
  if (typeof value === 'string') return redactSecrets(value, secretValues) !== value;
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) return value.some((item) => needsRedaction(item, secretValues));
  for (const [key, item] of Object.entries(value)) {
    if (redactSecrets(key, secretValues) !== key || needsRedaction(item, secretValues)) return true;
  }
  return false;
}

/**
 * The `data` column of an event: `data` as JSON with every secret redacted (the store's backstop,
 * promise 11), exactly `JSON.stringify(redactSecretsDeep(data, secretValues))`. Most event data
 * holds no secret (paths, ids, hashes, counts), so it is first only looked through, and copied
 * with redaction only when some string in it would change.
 */
export function eventDataJson(data: Record<string, unknown>, secretValues: readonly string[]): string {
  return JSON.stringify(needsRedaction(data, secretValues) ? redactSecretsDeep(data, secretValues) : data);
}
