import type { UserWorkspaceConfig } from 'vitest/config';

/**
 * Settings every package's vitest project shares. Workspace packages resolve to their
 * TypeScript sources (the `@hyperion/source` export condition), so tests never run stale builds.
 */
export function projectDefaults(name: string): UserWorkspaceConfig {
  return {
    resolve: { conditions: ['@hyperion/source', 'module', 'node', 'import', 'default'] },
    ssr: { resolve: { conditions: ['@hyperion/source', 'node', 'import', 'default'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}
