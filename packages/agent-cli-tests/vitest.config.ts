import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.js';

const defaults = projectDefaults('agent-cli-tests');

export default defineProject({
  ...defaults,
  test: {
    ...defaults.test,
    globalSetup: ['test/support/global-setup.ts'],
    // The real CLIs take a core each while they start: one test file at a time keeps within 2 cores.
    fileParallelism: false,
  },
});
