import { defineProject } from 'vitest/config';

// The workspace's tests of the examples: each example built and run in the workspace, and again
// from the packed tarballs in an empty directory outside it. The examples' own tests (the harness
// and store conformance suites) are projects of their own (see the root vitest.config.ts).
export default defineProject({
  test: {
    name: 'examples',
    include: ['*.test.ts'],
    globalSetup: ['./build-examples.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
