import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'examples',
      'examples/custom-harness',
      'examples/custom-store',
      // The repository's own tooling (scripts/*.mjs): changeset check, changeset version, READMEs.
      {
        test: {
          name: 'scripts',
          include: ['scripts/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
