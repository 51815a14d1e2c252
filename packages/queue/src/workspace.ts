/**
 * Where Hyperion keeps its files in a repository (`.hyperion/`), loading and validating its
 * configuration, and `hyperion init`'s workspace set-up, without loading the merge queue.
 *
 * @packageDocumentation
 * @module @hyperion/queue/workspace
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  HyperionConfigSchema,
  HyperionError,
  parseJsonText,
  parseWithSchema,
  toJsonSchema,
  type HyperionConfig,
  type HyperionConfigInput,
} from '@hyperion/schema';

/** Where Hyperion keeps its files inside a repository. */
export interface HyperionPaths {
  /** The repository's main worktree. */
  root: string;
  /** `<root>/.hyperion`. */
  directory: string;
  /** `.hyperion/config.json`. */
  configFile: string;
  /** `.hyperion/config.schema.json`, referenced by the config's `$schema` for editors. */
  configSchemaFile: string;
  /** The SQLite store: `.hyperion/hyperion.db`, or the file `HYPERION_STORE_FILE` names. */
  databaseFile: string;
  /** `.hyperion/worktrees/`, one worktree per worker. */
  worktreesDirectory: string;
  /** `.hyperion/logs/`, where console tracing goes unless `HYPERION_LOG=1`. */
  logsDirectory: string;
}

/**
 * The environment variable that names the SQLite store file (an absolute path) instead of
 * `.hyperion/hyperion.db`: several clones of one repository (or several repositories) then share
 * one queue, for example one clone per worker host landing on a shared remote.
 */
export const STORE_FILE_VARIABLE = 'HYPERION_STORE_FILE';

function storeFileOverride(environment: NodeJS.ProcessEnv): string | undefined {
  const file = environment[STORE_FILE_VARIABLE];
  if (file === undefined || file === '') return undefined;
  if (!isAbsolute(file)) {
    throw new HyperionError(
      'invalid_input',
      `${STORE_FILE_VARIABLE}: must be an absolute path of the store file`,
      {
        details: { field: STORE_FILE_VARIABLE },
      },
    );
  }
  return file;
}

/**
 * The paths of Hyperion's files in the repository at `root`. The store file is
 * `.hyperion/hyperion.db` unless `environment` (by default the process's) sets
 * {@link STORE_FILE_VARIABLE}; throws `invalid_input` when that is not an absolute path.
 */
export function hyperionPaths(root: string, environment: NodeJS.ProcessEnv = process.env): HyperionPaths {
  const directory = join(root, '.hyperion');
  return {
    root,
    directory,
    configFile: join(directory, 'config.json'),
    configSchemaFile: join(directory, 'config.schema.json'),
    databaseFile: storeFileOverride(environment) ?? join(directory, 'hyperion.db'),
    worktreesDirectory: join(directory, 'worktrees'),
    logsDirectory: join(directory, 'logs'),
  };
}

/** Parses configuration text; errors name the file and the field. */
export function parseConfigText(text: string, source: string): HyperionConfig {
  return parseWithSchema(HyperionConfigSchema, parseJsonText(text, source), source, {
    unknownKeyCode: 'unknown_config_key',
  });
}

/** Reads `.hyperion/config.json`; throws `not_initialized` when it is missing. */
export function loadConfig(paths: HyperionPaths): HyperionConfig {
  if (!existsSync(paths.configFile)) {
    throw new HyperionError(
      'not_initialized',
      `${paths.root} has no .hyperion/config.json: run 'hyperion init' first`,
      { details: { root: paths.root } },
    );
  }
  return parseConfigText(readFileSync(paths.configFile, 'utf8'), paths.configFile);
}

/** Options of {@link initializeWorkspace}. */
export interface InitializeOptions {
  /** Settings to write into the new config (validated first). */
  config?: HyperionConfigInput;
  /** Overwrite an existing config. */
  force?: boolean;
}

/**
 * Creates `.hyperion/` with a default config that points at its JSON Schema, and adds
 * `.hyperion/` to the repository's `info/exclude` so it never shows up as untracked.
 * Returns false when a config already existed (and was left alone).
 */
export function initializeWorkspace(
  paths: HyperionPaths,
  gitDirectory: string,
  options: InitializeOptions = {},
): boolean {
  const config = parseWithSchema(HyperionConfigSchema, options.config ?? {}, 'config', {
    unknownKeyCode: 'unknown_config_key',
  });
  mkdirSync(paths.worktreesDirectory, { recursive: true });
  mkdirSync(paths.logsDirectory, { recursive: true });
  writeFileSync(paths.configSchemaFile, `${JSON.stringify(toJsonSchema('config'), null, 2)}\n`);
  const excludeFile = join(gitDirectory, 'info', 'exclude');
  mkdirSync(join(gitDirectory, 'info'), { recursive: true });
  const excluded = existsSync(excludeFile) ? readFileSync(excludeFile, 'utf8') : '';
  if (!excluded.split('\n').includes('/.hyperion/')) {
    appendFileSync(excludeFile, `${excluded === '' || excluded.endsWith('\n') ? '' : '\n'}/.hyperion/\n`);
  }
  if (existsSync(paths.configFile) && options.force !== true) return false;
  const written = { $schema: './config.schema.json', ...config };
  writeFileSync(paths.configFile, `${JSON.stringify(written, null, 2)}\n`);
  return true;
}
