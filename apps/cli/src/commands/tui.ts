import { basename } from 'node:path';
import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';

interface TuiOptions {
  repo?: string;
}

/**
 * `hyperion tui`: the live dashboard attached to the queue from any terminal — it reads the store
 * and acts through the queue's human actions (approve, reject, retry, pause), and runs no worker.
 * Everything heavy (ink, react, the dashboard, the queue) is loaded inside the action, so the
 * other commands never pay for it.
 */
export function registerTui(program: Command, _output: CommandOutput): void {
  program
    .command('tui')
    .description(
      'attach the live dashboard to the queue: read and act (approve, reject, retry, pause); no workers',
    )
    .option('--repo <dir>', 'repository directory', '.')
    .action(async (options: TuiOptions) => {
      const { HyperionError } = await import('@hyperion/schema');
      if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) {
        throw new HyperionError(
          'usage',
          'hyperion tui needs a terminal (standard input and output must be a TTY); for a pipe use hyperion queue list or hyperion log',
        );
      }
      const [{ withRepository }, { actorName }, { dashboardActions }, { loadDashboard }] = await Promise.all([
        import('../context.js'),
        import('../actor.js'),
        import('../dashboard-actions.js'),
        import('../dashboard-loading.js'),
      ]);
      await withRepository(options, async (context) => {
        const { startDashboard } = await loadDashboard();
        const dashboard = await startDashboard({
          store: context.store,
          title: basename(context.repository.root),
          actions: await dashboardActions(context.queue, context.store, actorName(undefined)),
          leaseMs: context.config.queue.lease_ms,
        });
        const stop = () => dashboard.stop();
        process.once('SIGTERM', stop);
        try {
          await dashboard.waitUntilExit();
        } finally {
          process.off('SIGTERM', stop);
        }
      });
    });
}
