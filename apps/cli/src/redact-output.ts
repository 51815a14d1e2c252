import {
  printableJson,
  redactDeep,
  redactSecrets,
  redactSecretValues,
  secretValuesOf,
} from '@hyperion/schema';

/** Rewrites one line of output with secrets redacted. */
export type LineRedactor = (line: string) => string;

/** `line` with `choose(record)` applied to every string of its parsed JSON (or to the whole text). */
function redactParsed(line: string, choose: (record: unknown) => (text: string) => string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return choose(undefined)(line);
  }
  // printableJson: C1 and bidi controls (which JSON.stringify leaves raw) as `\u` escapes.
  return `${printableJson(JSON.stringify(redactDeep(record, choose(record))))}${line.endsWith('\n') ? '\n' : ''}`;
}

/**
 * Redacts JSON lines (pino records, event log lines): every string in the line loses the
 * `secretValues` (by default those of this process's secret-named variables), token shapes and
 * secret-named assignments (`redactSecrets`). The line is parsed and written again, so JSON
 * escapes can neither hide a secret nor be broken by its replacement; a line that is not JSON is
 * redacted as text.
 */
export function createJsonLineRedactor(
  secretValues: readonly string[] = secretValuesOf(process.env),
): LineRedactor {
  const redact = (text: string): string => redactSecrets(text, secretValues);
  return (line) => redactParsed(line, () => redact);
}

/**
 * Redacts the lines of `hyperion log export`. Event lines get the full redaction of
 * {@link createJsonLineRedactor}; a submission line loses only the `secretValues`, because its
 * patch and summary are the change as submitted (a test fixture that merely looks like a token
 * must survive an export and an import).
 */
export function createEventLogRedactor(
  secretValues: readonly string[] = secretValuesOf(process.env),
): LineRedactor {
  const full = (text: string): string => redactSecrets(text, secretValues);
  const valuesOnly = (text: string): string => redactSecretValues(text, secretValues);
  const isSubmission = (record: unknown): boolean =>
    typeof record === 'object' && record !== null && (record as { kind?: unknown }).kind === 'submission';
  return (line) => redactParsed(line, (record) => (isSubmission(record) ? valuesOnly : full));
}
