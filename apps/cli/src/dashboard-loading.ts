import type * as Tui from '@hyperion/tui';

/**
 * Loads the dashboard so that it renders live in a terminal even when CI is set: ink decides once,
 * when it is loaded, to draw only the last frame under CI. The environment is restored at once,
 * so checks still see the real CI variables.
 */
export async function loadDashboard(): Promise<typeof Tui> {
  if (process.stdout.isTTY !== true) return import('@hyperion/tui');
  const saved = { CI: process.env['CI'], CONTINUOUS_INTEGRATION: process.env['CONTINUOUS_INTEGRATION'] };
  process.env['CI'] = 'false';
  process.env['CONTINUOUS_INTEGRATION'] = 'false';
  try {
    return await import('@hyperion/tui');
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
