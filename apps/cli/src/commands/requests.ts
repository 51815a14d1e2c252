import type { Command } from 'commander';
import { printable } from '@hyperion/schema';
import type { UsageTotals } from '@hyperion/store';
import { withStore } from '../context.js';
import { parseLimit } from '../option-parsers.js';
import { pad, type CommandOutput } from '../output.js';

function formatUsage(usage: UsageTotals): string {
  if (usage.runs === 0) return 'no runs';
  const reported =
    usage.unreported === usage.runs
      ? 'usage not reported'
      : `${usage.input_tokens} in (${usage.cached_input_tokens} cached) / ${usage.output_tokens} out tokens, $${usage.cost_usd.toFixed(4)}`;
  return `${reported}, ${(usage.duration_ms / 1000).toFixed(1)} s`;
}

function formatBudget(budget: Record<string, unknown> | null): string {
  if (budget === null) return '';
  const limits = ['max_tokens', 'max_credits', 'timeout_ms']
    .filter((key) => typeof budget[key] === 'number')
    .map((key) => `${key} ${String(budget[key])}`);
  return limits.length === 0 ? '' : `; budget: ${limits.join(', ')}`;
}

/** `hyperion requests`: the last requests with their status, assignments (with usage) and outcome. */
export function registerRequests(program: Command, output: CommandOutput): void {
  program
    .command('requests')
    .description('the last requests with their status, assignments (with usage) and queue outcome')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--limit <n>', 'how many (1 or more)', parseLimit, 100)
    .option('--json', 'print JSON')
    .action(async (options: { repo?: string; limit: number; json?: boolean }) => {
      const { requestHistory } = await import('@hyperion/store');
      await withStore(options, async (context) => {
        const history = await requestHistory(context.store, options.limit);
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
            `${pad(request.id, 16)} ${pad(request.status, 9)} ${pad(outcome || '-', 28)} ${printable(request.summary)}`,
          );
          if (request.error !== null) output.line(`  ${printable(request.error)}`);
          output.line(`  usage: ${formatUsage(request.usage)}${formatBudget(request.budget)}`);
          for (const assignment of request.assignments) {
            const states = assignment.entries.map((entry) => `${entry.id} ${entry.state}`).join(', ');
            output.line(
              `  ${pad(assignment.task_id, 18)} ${pad(assignment.outcome, 11)} ${pad(formatUsage(assignment.usage), 34)} ${printable(states || assignment.files.join(', '))}`,
            );
            if (assignment.reason !== null) output.line(`    ${printable(assignment.reason)}`);
          }
        }
      });
    });
}
