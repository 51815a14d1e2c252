import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples', 'examples/custom-harness', 'examples/custom-store'],
  },
});
