import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'example-custom-store',
    include: ['test/**/*.test.ts'],
    // The suite's child processes import the built module (dist/open-counting-store.js).
    globalSetup: ['./test/build-before-tests.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
