import { printable } from '@hyperion/schema';
import type { CollisionReport, PhaseSummary } from '@hyperion/orchestrator';
import { pad, shortCommit, type CommandOutput } from '../output.js';

/** Prints a plan's phases, when it has more than one (a later phase starts from the earlier result). */
export function printPhases(output: CommandOutput, phases: readonly PhaseSummary[]): void {
  if (phases.length <= 1) return;
  output.line(`Phases: ${phases.length} (each starts from the result of the ones before)`);
  for (const phase of phases) {
    const reason = phase.reason === undefined ? '' : ` (${phase.reason})`;
    output.line(`  phase ${pad(String(phase.phase), 4)} ${printable(phase.task_ids.join(', '))}${reason}`);
  }
}

/** Prints the entries found on the assignments' files and what `orchestrator.collisions` did. */
export function printCollisions(
  output: CommandOutput,
  collisions: { policy: string; reports: readonly CollisionReport[] },
): void {
  if (collisions.reports.length === 0) return;
  output.line(`Collisions (orchestrator.collisions: ${printable(collisions.policy)}):`);
  for (const report of collisions.reports) {
    for (const overlap of report.overlaps) {
      output.line(
        `  ${pad(report.task_id, 20)} ${printable(overlap.files.join(', '))}: ${printable(overlap.change_id)} (${printable(overlap.task_id)}, ${overlap.state})`,
      );
    }
    const stacked = report.stacked_on.length > 0 ? ` on ${printable(report.stacked_on.join(', '))}` : '';
    const detail = report.detail === undefined ? '' : `: ${printable(report.detail)}`;
    output.line(
      `  ${pad('', 20)} ${report.action}${stacked}, developer started from ${shortCommit(report.base_commit)}${detail}`,
    );
  }
}
