import type { Command } from 'commander';
import { printable } from '@hyperion/schema';
import { actorName } from '../actor.js';
import { withRepository } from '../context.js';
import { pad, shortCommit, type CommandOutput } from '../output.js';

/** `hyperion rollback <change | task | request id>`: reverts through the queue, with checks. */
export function registerRollback(program: Command, output: CommandOutput): void {
  program
    .command('rollback <id>')
    .description(
      'revert the landed commits of a change, task or request (newest first) through the queue, ahead of other work',
    )
    .option('--repo <dir>', 'repository directory', '.')
    .option('--dry-run', 'show what would be reverted; enqueue nothing')
    .option('--by <name>', 'who rolls back')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { repo?: string; dryRun?: boolean; by?: string; json?: boolean }) => {
      await withRepository(options, async ({ queue }) => {
        const result = await queue.rollback(id, { by: actorName(options.by), dryRun: options.dryRun });
        const rows = result.plans.map((plan, index) => ({
          original: plan.original.id,
          landed_commit: plan.original.landed_commit,
          paths: plan.change.changes.map((change) => change.path),
          revert: result.enqueued[index]?.id ?? null,
        }));
        if (options.json === true) {
          output.json({ dry_run: options.dryRun === true, reverts: rows });
          return;
        }
        output.line(
          options.dryRun === true ? 'Would revert (newest first):' : 'Enqueued reverts (newest first):',
        );
        for (const row of rows) {
          output.line(
            `  ${pad(row.original, 18)} ${shortCommit(row.landed_commit)} ${pad(row.paths.join(', '), 30)} ${printable(row.revert ?? '')}`,
          );
        }
      });
    });
}
