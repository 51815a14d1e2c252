import { defineProject } from 'vitest/config';
import { projectDefaults } from '../../vitest.shared.js';

const defaults = projectDefaults('tui');

// ink renders only the last frame when it believes it runs in CI (is-in-ci reads CI when ink is
// loaded); these tests drive a terminal, so they run as an interactive session would. Colors are
// forced on (chalk sees no TTY here) so that the NO_COLOR test can tell colors from none.
export default defineProject({
  ...defaults,
  test: { ...defaults.test, env: { CI: 'false', CONTINUOUS_INTEGRATION: 'false', FORCE_COLOR: '1' } },
});
