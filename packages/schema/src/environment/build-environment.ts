/** Which variables {@link buildMinimalEnvironment} keeps. */
export interface MinimalEnvironmentOptions {
  /**
   * Names copied from the base environment when present. An entry ending in `*` (`LC_*`) copies
   * every variable whose name starts with what comes before it.
   */
  allow: readonly string[];
  /** Names that are never copied, even when allowed or given as extras. */
  secretNames: readonly string[];
  /** When given, names matching it are secrets too (never copied either). */
  secretPattern?: RegExp;
  /** Variables added after the allowed ones (for example a request's `environment`); secrets among them are dropped. */
  extra?: Record<string, string>;
}

function isAllowed(name: string, allow: readonly string[]): boolean {
  return allow.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/**
 * The minimal environment of a child process (an agent, a check): only the allowed variables of
 * `base`, then `extra`, with every secret name removed.
 */
export function buildMinimalEnvironment(
  base: Record<string, string | undefined>,
  options: MinimalEnvironmentOptions,
): Record<string, string> {
  const secrets = new Set(options.secretNames);
  const isSecret = (name: string): boolean =>
    secrets.has(name) || (options.secretPattern?.test(name) ?? false);
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && isAllowed(name, options.allow) && !isSecret(name)) environment[name] = value;
  }
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    if (!isSecret(name)) environment[name] = value;
  }
  return environment;
}

/** The non-empty values of the variables named in `secretNames`, looked up in each of `sources`. */
export function collectSecretValues(
  secretNames: readonly string[],
  ...sources: Array<Record<string, string | undefined> | undefined>
): string[] {
  const values = new Set<string>();
  for (const source of sources) {
    for (const name of secretNames) {
      const value = source?.[name];
      if (value !== undefined && value !== '') values.add(value);
    }
  }
  return [...values];
}
