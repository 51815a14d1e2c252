import type { Command } from 'commander';
import { withRepository } from '../context.js';
import { pad, type CommandOutput } from '../output.js';

/** `hyperion requests`: the last requests with their status, assignments and outcome. */
export function registerRequests(program: Command, output: CommandOutput): void {
  program
    .command('requests')
    .description('the last requests with their status, assignments and queue outcome')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--limit <n>', 'how many', '100')
    .option('--json', 'print JSON')
    .action(async (options: { repo?: string; limit: string; json?: boolean }) => {
      await withRepository(options, async (context) => {
        const history = context.store.listRequests(Number(options.limit)).map((request) => {
          const entries = context.store.listEntries({ requestId: request.id });
          const outcome: Record<string, number> = {};
          for (const entry of entries) outcome[entry.state] = (outcome[entry.state] ?? 0) + 1;
          return {
            id: request.id,
            summary: request.summary,
            status: request.status,
            error: request.error,
            created_at: request.created_at,
            assignments: context.store.listAssignments(request.id).map((assignment) => ({
              task_id: assignment.task_id,
              status: assignment.status,
              error: assignment.error,
            })),
            entries: entries.map((entry) => ({ id: entry.id, task_id: entry.task_id, state: entry.state })),
            outcome,
          };
        });
        if (options.json === true) {
          output.json(history);
          return;
        }
        if (history.length === 0) output.line('No requests yet.');
        for (const request of history) {
          const outcome = Object.entries(request.outcome)
            .map(([state, count]) => `${count} ${state}`)
            .join(', ');
          output.line(
            `${pad(request.id, 16)} ${pad(request.status, 9)} ${pad(outcome || '-', 28)} ${request.summary}`,
          );
          if (request.error !== null) output.line(`  ${request.error}`);
        }
      });
    });
}
