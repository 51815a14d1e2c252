import { existsSync } from 'node:fs';
import { loadConfig, STORE_FILE_VARIABLE, type HyperionPaths } from '@hyperion/queue/workspace';
import { HyperionError, storeUrlLocation, storeUrlProblem, type HyperionConfig } from '@hyperion/schema';

/** The environment variable that names a PostgreSQL store (`postgres://…`); it wins over `store.url`. */
export const DATABASE_URL_VARIABLE = 'HYPERION_DATABASE_URL';

/** The store a command works on: a SQLite file, or a PostgreSQL database. */
export type StoreSelection =
  | {
      kind: 'sqlite';
      /** The SQLite file. */
      file: string;
      /** What messages show: the file. */
      location: string;
    }
  | {
      kind: 'postgres';
      /** The database URL (it may hold a password: never shown). */
      url: string;
      /** What messages show: the URL without its password. */
      location: string;
      /** Where the URL came from: the environment variable or the config key. */
      source: typeof DATABASE_URL_VARIABLE | 'store.url';
    };

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function configuredUrl(
  paths: HyperionPaths,
  config: Pick<HyperionConfig, 'store'> | undefined,
): string | undefined {
  if (config !== undefined) return config.store?.url;
  return existsSync(paths.configFile) ? loadConfig(paths).store?.url : undefined;
}

/**
 * Chooses the store of the repository at `paths`: `HYPERION_DATABASE_URL`, else `HYPERION_STORE_FILE`,
 * else the config's `store.url` (the environment wins over the config), else the SQLite file
 * `.hyperion/hyperion.db`. `config` is read from `.hyperion/config.json` when not given (and when it
 * exists). Setting both environment variables is `invalid_input`, and so is a URL that is not a
 * `postgres://` one; no message repeats a URL.
 */
export function selectStore(
  paths: HyperionPaths,
  config?: Pick<HyperionConfig, 'store'>,
  environment: NodeJS.ProcessEnv = process.env,
): StoreSelection {
  const environmentUrl = nonEmpty(environment[DATABASE_URL_VARIABLE]);
  const storeFile = nonEmpty(environment[STORE_FILE_VARIABLE]);
  if (environmentUrl !== undefined && storeFile !== undefined) {
    throw new HyperionError(
      'invalid_input',
      `${DATABASE_URL_VARIABLE} and ${STORE_FILE_VARIABLE} are both set: one names a PostgreSQL store, the other a SQLite file; unset one of them`,
      { details: { field: DATABASE_URL_VARIABLE } },
    );
  }
  if (environmentUrl !== undefined) return postgresSelection(environmentUrl, DATABASE_URL_VARIABLE);
  if (storeFile === undefined) {
    const url = configuredUrl(paths, config);
    if (url !== undefined) return postgresSelection(url, 'store.url');
  }
  return { kind: 'sqlite', file: paths.databaseFile, location: paths.databaseFile };
}

function postgresSelection(url: string, source: typeof DATABASE_URL_VARIABLE | 'store.url'): StoreSelection {
  const problem = storeUrlProblem(url);
  if (problem !== undefined) {
    throw new HyperionError('invalid_input', `${source}: ${problem}`, { details: { field: source } });
  }
  return { kind: 'postgres', url, location: storeUrlLocation(url), source };
}
