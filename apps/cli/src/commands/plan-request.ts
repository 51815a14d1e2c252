import type { Command } from 'commander';
import { printable } from '@hyperion/schema';
import { withRepository } from '../context.js';
import { pad, shortCommit, type CommandOutput } from '../output.js';
import { printPhases } from './request-collisions-output.js';

/**
 * `hyperion plan request <file>`: the plan a task request would get now (deterministic engineer
 * and orchestrator, no agent run, nothing stored): its assignments by phase, and the entries
 * queued or in flight on their files with what `orchestrator.collisions` would do.
 */
export function registerPlanRequest(plan: Command, output: CommandOutput): void {
  plan
    .command('request <file>')
    .description('show how a task request would be planned: assignments by phase, predicted collisions')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--json', 'print one JSON object')
    .action(async (file: string, options: { repo?: string; json?: boolean }) => {
      const { loadTaskRequest, previewRequestPlan } = await import('@hyperion/orchestrator');
      const request = loadTaskRequest(file);
      await withRepository(options, async (context) => {
        const preview = await previewRequestPlan(request, {
          repository: context.repository,
          store: context.store,
          config: context.config,
        });
        if (options.json === true) {
          output.json(preview);
          return;
        }
        output.line(`Plan of ${printable(preview.request_id)} on ${shortCommit(preview.base_commit)}`);
        output.line(`Assignments: ${preview.assignments.length}`);
        for (const assignment of preview.assignments) {
          output.line(
            `  ${pad(assignment.task_id, 20)} phase ${pad(String(assignment.phase), 4)} ${printable(assignment.files.join(', '))}`,
          );
        }
        printPhases(output, preview.phases);
        const { policy, predicted } = preview.collisions;
        if (predicted.length === 0) {
          output.line('Collisions: none (no entry queued or in flight on these files)');
          return;
        }
        output.line(`Collisions predicted (orchestrator.collisions: ${printable(policy)}):`);
        for (const item of predicted) {
          for (const overlap of item.overlaps) {
            output.line(
              `  ${pad(item.task_id, 20)} ${printable(overlap.files.join(', '))}: ${printable(overlap.change_id)} (${printable(overlap.task_id)}, ${overlap.state})`,
            );
          }
        }
      });
    });
}
