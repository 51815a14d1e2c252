import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'example-custom-harness',
    include: ['test/**/*.test.ts'],
  },
});
