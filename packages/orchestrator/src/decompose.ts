import { HyperionError, type RequestedChange, type TaskAssignment } from '@hyperion/schema';
import type { ScopedRequest } from './engineer.js';

/** An assignment together with the explicit edits the requester gave for its files. */
export interface PlannedAssignment {
  /** The assignment. */
  assignment: TaskAssignment;
  /** The requested changes whose files this assignment owns. */
  changes: RequestedChange[];
}

/**
 * The deterministic orchestrator: one assignment per requested change, or the requester's own
 * assignments when the request brings them. File ownership is disjoint: a file owned by two
 * assignments is an error naming both.
 */
export function decompose(scoped: ScopedRequest, baseCommit: string): PlannedAssignment[] {
  const { request, requestId } = scoped;
  const given = request.assignments ?? [];
  const assignments: TaskAssignment[] =
    given.length > 0
      ? given.map((assignment) => ({
          ...assignment,
          checks: assignment.checks ?? request.checks,
          base_commit: assignment.base_commit ?? baseCommit,
        }))
      : request.requested_changes.map((change, index) => ({
          task_id: `${requestId}-${index + 1}`,
          parent_request_id: requestId,
          summary: change.summary ?? request.summary,
          file_targets: [change.path],
          instructions: change.summary === undefined ? [] : [change.summary],
          checks: request.checks,
          base_commit: baseCommit,
        }));
  const owner = new Map<string, string>();
  for (const assignment of assignments) {
    if (assignment.parent_request_id !== requestId) {
      throw new HyperionError(
        'schema_violation',
        `assignment ${assignment.task_id}: parent_request_id is '${assignment.parent_request_id}' but the request is '${requestId}'`,
      );
    }
    for (const path of assignment.file_targets) {
      const previous = owner.get(path);
      if (previous !== undefined) {
        throw new HyperionError(
          'invalid_input',
          `assignments ${previous} and ${assignment.task_id} both own '${path}'; file ownership must be disjoint`,
          { details: { path, assignments: [previous, assignment.task_id] } },
        );
      }
      owner.set(path, assignment.task_id);
    }
  }
  const orphan = request.requested_changes.find((change) => !owner.has(change.path));
  if (orphan !== undefined) {
    throw new HyperionError(
      'invalid_input',
      `requested change '${orphan.path}' is not owned by any assignment`,
      {
        details: { path: orphan.path },
      },
    );
  }
  return assignments.map((assignment) => ({
    assignment,
    changes: request.requested_changes.filter((change) => assignment.file_targets.includes(change.path)),
  }));
}
