import type { Command } from 'commander';
import { HyperionError } from '@hyperion/schema';
import { parseDuration } from '../duration.js';
import type { CommandOutput } from '../output.js';
import type { MetricsOptions } from './metrics-actions.js';

/**
 * `hyperion metrics [--since <duration>] [--json | --prom]`: throughput, outcomes, success and
 * conflict rates, submit-to-land latency, check runs and flakes, computed from the event log
 * (the whole log, or the events of the last `--since`). The store is read only when it runs.
 */
export function registerMetrics(program: Command, output: CommandOutput): void {
  program
    .command('metrics')
    .description(
      'queue metrics from the event log: throughput, success and conflict rates, latency, check runs, flakes',
    )
    .option('--repo <dir>', 'repository directory', '.')
    .option(
      '--since <duration>',
      'only the events of the last 90m, 12h, 30d, 2w (default: the whole log)',
      parseDuration,
    )
    .option('--json', 'print JSON')
    .option('--prom', 'print the Prometheus text format (counters count the same window)')
    .action(async (options: MetricsOptions) => {
      if (options.json === true && options.prom === true) {
        throw new HyperionError('usage', '--json and --prom cannot be combined');
      }
      await (await import('./metrics-actions.js')).printMetrics(options, output);
    });
}
