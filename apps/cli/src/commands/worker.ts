import type { Command } from 'commander';
import { HyperionError } from '@hyperion/schema';
import type { RunMode } from '@hyperion/queue';
import { watchQueueAlerts } from '../alerts/index.js';
import { withRepository } from '../context.js';
import { METRICS_PORT_HELP, parseMetricsPort, serveMetricsWhile } from '../metrics-port.js';
import { parseWorkerCount } from '../option-parsers.js';
import type { CommandOutput } from '../output.js';
import { printQueueEvents, stopOnSignals } from '../worker-loop.js';

interface WorkerOptions {
  repo?: string;
  once?: boolean;
  drain?: boolean;
  workers?: number;
  dryRun?: boolean;
  json?: boolean;
  metricsPort?: number;
}

/** `hyperion worker`: runs queue workers in this process. */
export function registerWorker(program: Command, output: CommandOutput): void {
  program
    .command('worker')
    .description('run merge-queue workers (until stopped, or --once / --drain)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--once', 'process at most one entry, then exit')
    .option('--drain', 'exit when nothing is queued or running')
    .option('--workers <count>', 'concurrent workers, 1 to 32 (default: config)', parseWorkerCount)
    .option('--dry-run', 'check everything, land nothing')
    .option('--json', 'print a JSON summary')
    .option('--metrics-port <port>', METRICS_PORT_HELP, parseMetricsPort)
    .action(async (options: WorkerOptions) => {
      if (options.once === true && options.drain === true) {
        throw new HyperionError('usage', '--once and --drain cannot be combined');
      }
      const mode: RunMode = options.once === true ? 'once' : options.drain === true ? 'drain' : 'forever';
      await withRepository(options, async (context) => {
        if (options.json !== true) printQueueEvents(context.queue, output);
        const stop = stopOnSignals();
        const alerts = await watchQueueAlerts(context);
        const summary = await serveMetricsWhile(context.store, options.metricsPort, output, () =>
          context.queue.runWorkers({ mode, workers: options.workers, signal: stop.signal }),
        ).finally(() => alerts.close());
        stop.dispose();
        if (options.json === true) output.json({ mode, summary });
        else output.line(`Done: ${JSON.stringify(summary)}`);
      });
    });
}
