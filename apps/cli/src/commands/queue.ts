import type { Command } from 'commander';
import { printable, printableBlock, type QueueEntry, type QueueState } from '@hyperion/schema';
import { withStore } from '../context.js';
import { parseQueueState } from '../option-parsers.js';
import { pad, shortCommit, type CommandOutput } from '../output.js';

interface ListOptions {
  repo?: string;
  state?: QueueState[];
  awaiting?: boolean;
  json?: boolean;
}

function wantedStates(
  states: QueueState[] | undefined,
  awaiting: boolean | undefined,
): QueueState[] | undefined {
  const wanted: QueueState[] = [
    ...(states ?? []),
    ...(awaiting === true ? (['awaiting_approval'] as const) : []),
  ];
  return wanted.length === 0 ? undefined : wanted;
}

function entryLine(entry: QueueEntry): string {
  const detail =
    entry.state === 'landed' ? shortCommit(entry.landed_commit) : printable(entry.last_error ?? '');
  return `${pad(entry.id, 18)} ${pad(entry.state, 17)} ${pad(entry.task_id, 16)} ${pad(`${entry.attempts}/${entry.max_attempts}`, 5)} ${pad(entry.paths.join(','), 28)} ${detail}`;
}

/** `hyperion queue list` and `hyperion queue show <id>`. */
export function registerQueue(program: Command, output: CommandOutput): void {
  const queue = program.command('queue').description('inspect the merge queue');
  queue
    .command('list')
    .description('list queue entries in queue order')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--state <state...>', 'only entries in these states', parseQueueState)
    .option('--awaiting', 'only entries awaiting approval')
    .option('--json', 'print JSON')
    .action(async (options: ListOptions) => {
      const states = wantedStates(options.state, options.awaiting);
      await withStore(options, async (context) => {
        const entries = await context.store.listEntries({ states });
        if (options.json === true) {
          output.json(entries.map(({ patch: _patch, ...entry }) => entry));
          return;
        }
        if (entries.length === 0) {
          output.line('The queue is empty.');
          return;
        }
        output.line(
          `${pad('ID', 18)} ${pad('STATE', 17)} ${pad('TASK', 16)} ${pad('TRY', 5)} ${pad('PATHS', 28)} DETAIL`,
        );
        for (const entry of entries) output.line(entryLine(entry));
      });
    });
  queue
    .command('show <id>')
    .description('show one entry with its patch and every event')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { repo?: string; json?: boolean }) => {
      await withStore(options, async (context) => {
        const entry = await context.store.requireEntry(id);
        const events = await context.store.listEvents({ entryId: id });
        if (options.json === true) {
          output.json({ entry, events });
          return;
        }
        // Stored text is hostile: every field is shown with its control characters visible.
        output.line(`${printable(entry.id)}  ${entry.state}`);
        output.line(
          `task ${printable(entry.task_id)}  request ${printable(entry.request_id ?? '-')}  agent ${printable(entry.agent)}`,
        );
        output.line(`summary ${printable(entry.summary)}`);
        output.line(
          `attempts ${entry.attempts}/${entry.max_attempts}  lease expiries ${entry.lease_expiries}  priority ${entry.priority}  target ${printable(entry.target_branch)}`,
        );
        output.line(`paths ${printable(entry.paths.join(', '))}`);
        if (entry.depends_on.length > 0) {
          output.line(`stacked on ${printable(entry.depends_on.join(', '))} (lands after them)`);
        }
        if (entry.landed_commit !== null) output.line(`landed as ${printable(entry.landed_commit)}`);
        if (entry.last_error !== null) output.line(`last error: ${printable(entry.last_error)}`);
        output.line('events:');
        for (const event of events) {
          const move = event.to_state === null ? '' : ` ${event.from_state ?? '∅'} → ${event.to_state}`;
          const by = event.worker === null ? '' : ` by ${printable(event.worker)}`;
          output.line(`  #${event.id} ${event.at} ${printable(event.type)}${move}${by}`);
        }
        output.line('patch:');
        output.line(printableBlock(entry.patch.trimEnd()));
      });
    });
}
