import type { Command } from 'commander';
import { printable } from '@hyperion/schema';
import { watchQueueAlerts } from '../alerts/index.js';
import { withRepository } from '../context.js';
import { METRICS_PORT_HELP, parseMetricsPort, serveMetricsWhile } from '../metrics-port.js';
import { parseWorkerCount } from '../option-parsers.js';
import type { CommandOutput } from '../output.js';
import { printQueueEvents, stopOnSignals } from '../worker-loop.js';

interface RunOptions {
  repo?: string;
  tui: boolean;
  workers?: number;
  dryRun?: boolean;
  metricsPort?: number;
}

/** `hyperion run`: workers plus the live dashboard (or event lines with --no-tui). */
export function registerRun(program: Command, output: CommandOutput): void {
  program
    .command('run')
    .description('run the workers with the live dashboard (--no-tui: print events instead)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--no-tui', 'print events as lines instead of the dashboard')
    .option('--workers <count>', 'concurrent workers, 1 to 32 (default: config)', parseWorkerCount)
    .option('--dry-run', 'check everything, land nothing')
    .option('--metrics-port <port>', METRICS_PORT_HELP, parseMetricsPort)
    .action(async (options: RunOptions) => {
      await withRepository(options, (context) =>
        serveMetricsWhile(context.store, options.metricsPort, output, async () => {
          const stop = stopOnSignals();
          // Alerts for what this process's workers record; closing waits for deliveries in flight.
          const alerts = await watchQueueAlerts(context);
          const workers = options.workers;
          if (!options.tui) {
            printQueueEvents(context.queue, output);
            output.line(
              `Running ${workers ?? context.config.workers} workers on ${printable(context.config.target_branch)}; Ctrl-C stops after in-flight entries.`,
            );
            await context.queue
              .runWorkers({ mode: 'forever', workers, signal: stop.signal })
              .finally(() => alerts.close());
            stop.dispose();
            return;
          }
          const controller = new AbortController();
          stop.signal.addEventListener('abort', () => controller.abort(), { once: true });
          const running = context.queue.runWorkers({ mode: 'forever', workers, signal: controller.signal });
          const [{ loadDashboard }, { dashboardActions }, { actorName }] = await Promise.all([
            import('../dashboard-loading.js'),
            import('../dashboard-actions.js'),
            import('../actor.js'),
          ]);
          const { startDashboard } = await loadDashboard();
          // The same keys act here as in `hyperion tui`: approve, reject, retry, pause, each confirmed.
          const dashboard = await startDashboard({
            store: context.store,
            title: `hyperion · ${context.repository.root}`,
            actions: await dashboardActions(context.queue, context.store, actorName(undefined)),
            leaseMs: context.config.queue.lease_ms,
          });
          await dashboard.waitUntilExit();
          controller.abort();
          await running.finally(() => alerts.close());
          stop.dispose();
        }),
      );
    });
}
