/** Which variables {@link buildAgentEnvironment} keeps. */
export interface AgentEnvironmentOptions {
  /** Names copied from the base environment when present. */
  allow: readonly string[];
  /** Names that are never copied, even when allowed or given as extras. */
  secretNames: readonly string[];
  /** Variables added after the allowed ones (for example a request's `environment`); secrets among them are dropped. */
  extra?: Record<string, string>;
}

/**
 * The minimal environment of an agent process: only the allowed variables of `base`, then `extra`,
 * with every secret name removed.
 */
export function buildAgentEnvironment(
  base: Record<string, string | undefined>,
  options: AgentEnvironmentOptions,
): Record<string, string> {
  const secrets = new Set(options.secretNames);
  const environment: Record<string, string> = {};
  for (const name of options.allow) {
    const value = base[name];
    if (value !== undefined && !secrets.has(name)) environment[name] = value;
  }
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    if (!secrets.has(name)) environment[name] = value;
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
