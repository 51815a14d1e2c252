import type { Options } from 'tsup';

/**
 * Shared tsup settings: ESM only, declarations, Node 20 target.
 * Each package's `tsup.config.ts` passes its entry points.
 */
export function packageBuild(entry: string[], overrides: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    ...overrides,
  };
}
