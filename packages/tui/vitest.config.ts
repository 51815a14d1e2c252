import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.js';

const defaults = projectDefaults('tui');

// ink renders only the last frame when it believes it runs in CI (is-in-ci reads CI when ink is
// loaded); these tests drive a terminal, so they run as an interactive session would.
export default defineProject({
  ...defaults,
  test: { ...defaults.test, env: { CI: 'false', CONTINUOUS_INTEGRATION: 'false' } },
});
