import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  ChangeRequestSchema,
  HyperionError,
  parseJsonText,
  parseWithSchema,
  printable,
} from '@hyperion/schema';
import { withRepository } from '../context.js';
import { parsePriority } from '../option-parsers.js';
import { pad, type CommandOutput } from '../output.js';

interface SubmitOptions {
  repo?: string;
  priority?: number;
  json?: boolean;
}

function readChangeRequest(file: string): unknown {
  try {
    return parseJsonText(readFileSync(file, 'utf8'), file);
  } catch (error) {
    if (HyperionError.isInstance(error)) throw error;
    throw new HyperionError('invalid_input', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** `hyperion submit <change.json>`: validates a ready ChangeRequest and enqueues it. */
export function registerSubmit(program: Command, output: CommandOutput): void {
  program
    .command('submit <file>')
    .description('validate a ChangeRequest JSON file made elsewhere and enqueue it')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--priority <n>', 'queue priority, -1000 to 1000 (higher lands first)', parsePriority)
    .option('--json', 'print the queue entry as JSON')
    .action(async (file: string, options: SubmitOptions) => {
      const change = parseWithSchema(ChangeRequestSchema, readChangeRequest(file), file);
      await withRepository(options, async (context) => {
        const entry = await context.queue.submitChecked(change, {
          priority: options.priority,
          eventData: { source: 'submit', file },
        });
        if (options.json === true) {
          output.json(entry);
          return;
        }
        output.line(
          `Enqueued ${pad(entry.id, 20)} task ${printable(entry.task_id)}: ${printable(entry.paths.join(', '))}${entry.state === 'awaiting_approval' ? ' (awaiting approval)' : ''}`,
        );
      });
    });
}
