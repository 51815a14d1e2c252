import * as z from 'zod';

/** The outcome of checking a value against a JSON Schema. */
export type StructuredOutputValidation =
  { valid: true; value: unknown } | { valid: false; problems: string[] };

/**
 * Checks `value` against the JSON Schema `schema` (draft 2020-12, draft 7 or draft 4) using
 * zod's `fromJSONSchema`. A schema zod cannot read is reported as a problem, never as a pass.
 */
export function validateStructuredOutput(
  value: unknown,
  schema: Record<string, unknown>,
): StructuredOutputValidation {
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return { valid: false, problems: [`the output schema cannot be read: ${describeError(error)}`] };
  }
  const parsed = validator.safeParse(value);
  if (parsed.success) return { valid: true, value: parsed.data };
  return {
    valid: false,
    problems: parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  };
}

/** Parses agent output text as JSON: the whole text, else its last non-empty line. */
export function parseJsonOutput(text: string): { parsed: true; value: unknown } | { parsed: false } {
  const candidates = [text, text.trim().split('\n').at(-1) ?? ''];
  for (const candidate of candidates) {
    try {
      return { parsed: true, value: JSON.parse(candidate) as unknown };
    } catch {
      // Try the next candidate.
    }
  }
  return { parsed: false };
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment))).join('.');
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
