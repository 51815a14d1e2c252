import { buildMinimalEnvironment } from './build-environment.js';
import { DEFAULT_SECRET_NAMES, SECRET_NAME_PATTERN } from './secret-names.js';

/**
 * The variables a check gets from the worker's environment by default: enough for `npm test`,
 * `pnpm test`, `node --test`, `make` and git (`PATH`, `HOME`, the user, locale, terminal, time zone
 * and temporary directories, `CI`, the XDG cache and config directories). `LC_*` is every variable
 * starting with `LC_`.
 */
export const DEFAULT_CHECK_ENVIRONMENT: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'NO_COLOR',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'CI',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
];

/** What the configuration says a check's environment holds (`check_environment`). */
export interface CheckEnvironmentSettings {
  /** Names (or `PREFIX_*`) copied from the worker's environment. */
  allow: readonly string[];
  /** Literal variables set for every check, after the copied ones. */
  set: Readonly<Record<string, string>>;
}

/**
 * The environment of a check: the `allow`ed variables of `base` (the worker's environment), then
 * the literal `set` ones, never one with a secret name — {@link DEFAULT_SECRET_NAMES},
 * `extraSecretNames`, or any name matching {@link SECRET_NAME_PATTERN} — even when allowed.
 */
export function buildCheckEnvironment(
  base: Record<string, string | undefined>,
  settings: CheckEnvironmentSettings,
  extraSecretNames: readonly string[] = [],
): Record<string, string> {
  return buildMinimalEnvironment(base, {
    allow: settings.allow,
    secretNames: [...DEFAULT_SECRET_NAMES, ...extraSecretNames],
    secretPattern: SECRET_NAME_PATTERN,
    extra: { ...settings.set },
  });
}
