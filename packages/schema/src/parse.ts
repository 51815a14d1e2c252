import type * as z from 'zod';
import { HyperionError } from './errors.js';
import { locateJsonSyntaxError } from './json-syntax-error.js';

/** Renders a zod issue path as `changes[0].path`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let rendered = '';
  for (const key of path) {
    if (typeof key === 'number') rendered += `[${key}]`;
    else rendered += rendered === '' ? String(key) : `.${String(key)}`;
  }
  return rendered === '' ? '(root)' : rendered;
}

/**
 * Parses `value` with `schema` at a trust boundary. On failure throws one HyperionError whose
 * message names the source and the first offending field path; all issues are in `details.issues`.
 * Unknown keys in a config source become `unknown_config_key`; unsafe paths become `unsafe_path`.
 */
export function parseWithSchema<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  source: string,
  options: { unknownKeyCode?: 'schema_violation' | 'unknown_config_key' } = {},
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: formatIssuePath(issue.path),
    message: issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message,
    code: issue.code,
    unsafePath: issue.code === 'custom' && issue.params?.['unsafePath'] === true,
  }));
  const first = issues[0]!;
  let code: 'schema_violation' | 'unknown_config_key' | 'unsafe_path' = 'schema_violation';
  if (first.unsafePath) code = 'unsafe_path';
  else if (first.code === 'unrecognized_keys') code = options.unknownKeyCode ?? 'schema_violation';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new HyperionError(code, `${source}: ${first.path}: ${first.message}${more}`, {
    details: { source, issues: issues.map(({ path, message }) => ({ path, message })) },
  });
}

/**
 * Parses JSON text; a syntax error becomes an `invalid_json` HyperionError naming the source and
 * the line and column of the first character that cannot be valid JSON, with what was found.
 */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const problem = locateJsonSyntaxError(text);
    const where =
      problem === undefined
        ? `: ${message}`
        : ` at line ${problem.line}, column ${problem.column}: ${problem.reason}`;
    throw new HyperionError('invalid_json', `${source}: invalid JSON${where}`, {
      cause: error,
      details: problem === undefined ? { source } : { source, line: problem.line, column: problem.column },
    });
  }
}
