import type { Command } from 'commander';
import { parseDuration } from '../duration.js';
import type { CommandOutput } from '../output.js';
import type { ReportOptions } from './report-actions.js';

/**
 * `hyperion report [request-id] [--since <duration>] [--json]`: a Markdown summary of what was
 * applied (landed changes and their commits), the checks and their results, what was quarantined
 * or conflicted and why, and who approved or rejected what. Without a request id it covers the
 * whole queue (`--since` narrows it to entries changed within that window). Loads only the store.
 */
export function registerReport(program: Command, output: CommandOutput): void {
  program
    .command('report [request-id]')
    .description(
      'a Markdown summary of a request (or the whole queue): landed, checks, quarantined, conflicted, decisions',
    )
    .option('--repo <dir>', 'repository directory', '.')
    .option(
      '--since <duration>',
      'only entries changed within this window (90m, 12h, 30d, 2w)',
      parseDuration,
    )
    .option('--json', 'print the report as JSON')
    .action(async (requestId: string | undefined, options: ReportOptions) => {
      await (await import('./report-actions.js')).report(requestId, options, output);
    });
}
