import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';
import { integerInRange } from '../option-parsers.js';
import { stopOnSignals } from '../worker-loop.js';
import type { TrailOptions } from './log-trail-actions.js';

/**
 * `hyperion log [--follow] [--json] [--entry <id>] [--last <n>]`: the audit trail from
 * `change_queue_logs`, oldest first; `--follow` keeps printing events as they are written (woken
 * by the store's change notification) until SIGINT or SIGTERM. Stored text is printed with its
 * control characters made visible.
 */
export function registerLogTrail(log: Command, output: CommandOutput): void {
  // The trail's options belong to `log` itself: they must not swallow its subcommands' options.
  log
    .enablePositionalOptions()
    .option('--repo <dir>', 'repository directory', '.')
    .option('--follow', 'keep printing new events as they are written')
    .option('--json', 'print one JSON object per line, one line per event')
    .option('--entry <id>', 'only the events of this entry')
    .option('--last <n>', 'start with the last n events', integerInRange(1, 1_000_000))
    .action(async (options: TrailOptions) => {
      const stop = stopOnSignals();
      try {
        await (await import('./log-trail-actions.js')).trail(options, output, stop.signal);
      } finally {
        stop.dispose();
      }
    });
}
