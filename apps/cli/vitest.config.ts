import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.js';

const defaults = projectDefaults('cli');

export default defineProject({
  ...defaults,
  test: { ...defaults.test, globalSetup: ['test/global-setup.ts'] },
});
