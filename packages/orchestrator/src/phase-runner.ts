import { HyperionError } from '@hyperion/schema';
import { joinPatches } from '@hyperion/git';
import {
  baseForAssignment,
  type AssignmentBase,
  type AssignmentBaseContext,
  type CollisionReport,
} from './collision-policy.js';
import type { ProjectedPatch } from './collision-projection.js';
import type { PlannedAssignment } from './decompose.js';
import type { DeveloperResult } from './developer.js';
import { phaseOf } from './phase-plan.js';

/** An assignment whose developer failed, or never started, and why. */
export interface PhaseFailure {
  /** The assignment that failed or never started. */
  planned: PlannedAssignment;
  /** Why: the developer's error, or the error that kept it from starting. */
  error: unknown;
}

/**
 * Runs the developers of some assignments, each from the base `baseOf` resolves for it: the
 * results of those that succeeded and the failures of the others (both may be non-empty).
 */
export type DevelopAssignments = (
  planned: PlannedAssignment[],
  baseOf: (item: PlannedAssignment) => Promise<string>,
) => Promise<{ results: DeveloperResult[]; failures: PhaseFailure[] }>;

/** What {@link developInPhases} did. */
export interface PhasedDevelopment {
  /**
   * The developers' results, phase by phase (the order their entries are enqueued in), including
   * those of the phase that failed (the ones of its assignments that succeeded).
   */
  results: DeveloperResult[];
  /** The assignments that failed, and those of later phases that could not start. */
  failures: PhaseFailure[];
  /** Where each assignment's developer started and what its entry is stacked on, by task id. */
  bases: Map<string, AssignmentBase>;
  /** The collisions found and what was done about each. */
  collisions: CollisionReport[];
}

/**
 * Runs a plan's developers phase by phase. Within a phase, each assignment's base is decided by
 * the collision policy ({@link baseForAssignment}) just before its developer starts; a later
 * phase starts from the earlier phases' result (their patches laid on the base). When an
 * assignment of a phase fails, the later phases do not start: their assignments fail, saying so.
 * The phase's assignments that succeeded stay in the results (a request under
 * `on_partial_failure: land_succeeded` enqueues them; all_or_nothing enqueues nothing).
 */
export async function developInPhases(
  planned: readonly PlannedAssignment[],
  context: Omit<AssignmentBaseContext, 'earlier' | 'earlierFiles'>,
  develop: DevelopAssignments,
): Promise<PhasedDevelopment> {
  const phases = [...new Set(planned.map(phaseOf))].sort((left, right) => left - right);
  const bases = new Map<string, AssignmentBase>();
  const results: DeveloperResult[] = [];
  const earlier: ProjectedPatch[] = [];
  const earlierFiles: string[] = [];
  for (const [index, phase] of phases.entries()) {
    const items = planned.filter((item) => phaseOf(item) === phase);
    const phaseContext = { ...context, earlier: [...earlier], earlierFiles: [...earlierFiles] };
    const developed = await develop(items, async (item) => {
      const base = await baseForAssignment(item, phaseContext);
      bases.set(item.assignment.task_id, base);
      return base.commit;
    });
    results.push(...developed.results);
    if (developed.failures.length > 0) {
      const later = planned.filter((item) => phases.indexOf(phaseOf(item)) > index);
      const failed = developed.failures.map((failure) => failure.planned.assignment.task_id).join(', ');
      return {
        results,
        failures: [
          ...developed.failures,
          ...later.map((item) => ({
            planned: item,
            error: new HyperionError(
              'invalid_state',
              `${item.assignment.task_id}: not started: phase ${phase} did not finish (${failed} failed)`,
              { details: { taskId: item.assignment.task_id, phase, failed } },
            ),
          })),
        ],
        bases,
        collisions: reports(bases, planned),
      };
    }
    for (const result of developed.results) {
      earlier.push({
        id: result.changeRequest.task_id,
        patch: joinPatches(result.changeRequest.changes.map((change) => change.patch)),
      });
      earlierFiles.push(...result.changeRequest.changes.map((change) => change.path));
    }
  }
  return { results, failures: [], bases, collisions: reports(bases, planned) };
}

function reports(
  bases: Map<string, AssignmentBase>,
  planned: readonly PlannedAssignment[],
): CollisionReport[] {
  return planned.flatMap((item) => {
    const report = bases.get(item.assignment.task_id)?.report;
    return report === undefined ? [] : [report];
  });
}

/**
 * The entries a result's change is enqueued stacked on: the other requests' entries its base was
 * projected from, and every entry of the request's earlier phases (`entryOfTask`, filled as the
 * entries are enqueued in phase order).
 */
export function dependenciesOf(
  result: DeveloperResult,
  planned: readonly PlannedAssignment[],
  development: PhasedDevelopment,
  entryOfTask: ReadonlyMap<string, string>,
): string[] {
  const taskId = result.changeRequest.task_id;
  const own = planned.find((item) => item.assignment.task_id === taskId);
  const phase = own === undefined ? 1 : phaseOf(own);
  const earlierEntries = planned
    .filter((item) => phaseOf(item) < phase)
    .flatMap((item) => {
      const id = entryOfTask.get(item.assignment.task_id);
      return id === undefined ? [] : [id];
    });
  return [...(development.bases.get(taskId)?.dependsOn ?? []), ...earlierEntries];
}

/** What the `entry:enqueued` event says about the entry's phase and the collisions of its assignment. */
export function enqueuedEventData(
  taskId: string,
  planned: readonly PlannedAssignment[],
  phased: PhasedDevelopment,
): Record<string, unknown> {
  const phase = planned.find((item) => item.assignment.task_id === taskId)?.assignment.phase;
  const report = phased.collisions.find((item) => item.task_id === taskId);
  return {
    ...(phase === undefined ? {} : { phase }),
    ...(report === undefined
      ? {}
      : {
          collision: {
            action: report.action,
            base_commit: report.base_commit,
            overlaps: report.overlaps.map((overlap) => ({
              change_id: overlap.change_id,
              files: overlap.files,
            })),
          },
        }),
  };
}
