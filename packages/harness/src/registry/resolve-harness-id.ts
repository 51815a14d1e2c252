/** Where a harness id may come from, from strongest to weakest. */
export interface HarnessIdSources {
  /** The `--agent` command-line flag. */
  flag?: string | undefined;
  /** The `HYPERION_AGENT` environment variable. */
  environment?: string | undefined;
  /** The `agent` key of the configuration file. */
  config?: string | undefined;
}

/** The id of the harness used when nothing chooses one. */
export const DEFAULT_HARNESS_ID = 'stub';

/**
 * The harness to use: the flag, else the environment variable, else the configuration, else
 * `stub`. Blank values count as absent.
 */
export function resolveHarnessId(sources: HarnessIdSources): string {
  for (const candidate of [sources.flag, sources.environment, sources.config]) {
    const id = candidate?.trim();
    if (id !== undefined && id !== '') return id;
  }
  return DEFAULT_HARNESS_ID;
}
