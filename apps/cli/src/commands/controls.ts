import type { Command } from 'commander';
import { actorName } from '../actor.js';
import { withRepository } from '../context.js';
import type { CommandOutput } from '../output.js';

/** `pause`, `resume` and `drain`: queue-wide switches every worker process honours. */
export function registerControls(program: Command, output: CommandOutput): void {
  const actions = {
    pause: 'stop new leases (in-flight entries finish)',
    resume: 'let workers lease again',
    drain: 'finish in-flight entries, then stop every worker loop',
  } as const;
  for (const [name, description] of Object.entries(actions) as Array<[keyof typeof actions, string]>) {
    program
      .command(name)
      .description(description)
      .option('--repo <dir>', 'repository directory', '.')
      .option('--by <name>', 'who')
      .option('--json', 'print the controls as JSON')
      .action(async (options: { repo?: string; by?: string; json?: boolean }) => {
        await withRepository(options, async ({ queue }) => {
          const controls = await queue[name](actorName(options.by));
          if (options.json === true) output.json(controls);
          else
            output.line(`queue: ${controls.draining ? 'draining' : controls.paused ? 'paused' : 'running'}`);
        });
      });
  }
}
