import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';
import type { RestoreOptions, ShipOptions } from './log-shipping-actions.js';

/** `hyperion log ship` and `hyperion log restore`: the event log as shipped segments, and back. */
export function registerLogShipping(log: Command, output: CommandOutput): void {
  log
    .command('ship')
    .description('ship the event log into a directory as numbered, checksummed segments (resumable)')
    .option('--repo <dir>', 'repository directory', '.')
    .requiredOption('--to <dir>', 'directory receiving the segments (created if missing)')
    .option('--follow', 'keep shipping new events as they are written (within about a second)')
    .option('--json', 'print one JSON line per segment written')
    .action(async (options: ShipOptions) =>
      (await import('./log-shipping-actions.js')).ship(options, output),
    );
  log
    .command('restore')
    .description(
      'rebuild a store from shipped segments alone, refusing a gap, a reordered or a corrupted segment',
    )
    .requiredOption('--from <dir>', 'directory written by `hyperion log ship`')
    .requiredOption('--db <file>', 'the new SQLite store file to create (it must not exist)')
    .option('--json', 'print counts and the state checksum as JSON')
    .action(async (options: RestoreOptions) =>
      (await import('./log-shipping-actions.js')).restore(options, output),
    );
}
