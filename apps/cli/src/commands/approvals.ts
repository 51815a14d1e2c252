import type { Command } from 'commander';
import { printable, type QueueEntry } from '@hyperion/schema';
import { actorName } from '../actor.js';
import { withRepository } from '../context.js';
import { parsePriority } from '../option-parsers.js';
import type { CommandOutput } from '../output.js';

interface ActionOptions {
  repo?: string;
  by?: string;
  note?: string;
  reason?: string;
  priority?: number;
  json?: boolean;
}

function report(output: CommandOutput, entry: QueueEntry, json: boolean, verb: string): void {
  if (json) output.json(entry);
  else output.line(`${printable(entry.id)} ${verb} (now ${entry.state}, priority ${entry.priority})`);
}

/** `approve`, `reject`, `cancel` and `bump`: a person's decisions, recorded with who and when. */
export function registerApprovals(program: Command, output: CommandOutput): void {
  program
    .command('approve <id>')
    .description('let an entry held by the risk policy go on')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--by <name>', 'who approves (default: HYPERION_USER or the OS user)')
    .option('--note <text>', 'a note kept with the approval')
    .option('--json', 'print the entry as JSON')
    .action(async (id: string, options: ActionOptions) => {
      await withRepository(options, async ({ queue }) => {
        report(
          output,
          await queue.approve(id, { by: actorName(options.by), note: options.note }),
          options.json === true,
          'approved',
        );
      });
    });
  program
    .command('reject <id>')
    .description('refuse a waiting entry for good')
    .requiredOption('--reason <text>', 'why (kept in the event log)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--by <name>', 'who rejects')
    .option('--json', 'print the entry as JSON')
    .action(async (id: string, options: ActionOptions) => {
      await withRepository(options, async ({ queue }) => {
        const note = options.reason ?? '';
        report(
          output,
          await queue.reject(id, { by: actorName(options.by), note }),
          options.json === true,
          'rejected',
        );
      });
    });
  program
    .command('cancel <id>')
    .description('withdraw an entry that has not started')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--by <name>', 'who cancels')
    .option('--reason <text>', 'why')
    .option('--json', 'print the entry as JSON')
    .action(async (id: string, options: ActionOptions) => {
      await withRepository(options, async ({ queue }) => {
        report(
          output,
          await queue.cancel(id, { by: actorName(options.by), note: options.reason }),
          options.json === true,
          'cancelled',
        );
      });
    });
  program
    .command('bump <id>')
    .description('move a waiting entry ahead of the others')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--priority <n>', 'set this priority (-1000…1000) instead', parsePriority)
    .option('--by <name>', 'who bumps')
    .option('--json', 'print the entry as JSON')
    .action(async (id: string, options: ActionOptions) => {
      const priority = options.priority;
      await withRepository(options, async ({ queue }) => {
        report(
          output,
          await queue.bump(id, { by: actorName(options.by), priority }),
          options.json === true,
          'bumped',
        );
      });
    });
}
