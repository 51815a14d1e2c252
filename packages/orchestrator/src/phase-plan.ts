import { HyperionError, type RequestedChange, type TaskAssignment, type TaskRequest } from '@hyperion/schema';
import type { DecomposeOptions, PlannedAssignment } from './decompose.js';
import type { ScopedRequest } from './engineer.js';

/** Why a request was planned in more than one phase. */
export type PhaseReason = 'explicit order' | 'same file again';

/** One phase of a request: the request narrowed to what must happen at that step. */
export interface RequestPhase {
  /** 1 for the first phase; later phases start from the earlier phases' result. */
  number: number;
  /** The request narrowed to this phase's changes, assignments and target files. */
  scoped: ScopedRequest;
  /** Why this phase comes after the previous one (undefined for the first). */
  reason?: PhaseReason;
}

/** A phase as the plan shows it. */
export interface PhaseSummary {
  /** The phase's number, from 1. */
  phase: number;
  /** The assignments of the phase. */
  task_ids: string[];
  /** Why this phase starts after the one before (absent for the first). */
  reason?: PhaseReason;
}

/** What a requested change asks for, apart from where and when: two equal intents are one change. */
function intentOf(change: RequestedChange): string {
  return JSON.stringify([
    change.summary ?? null,
    change.operation ?? null,
    change.diff ?? null,
    change.content ?? null,
  ]);
}

/** Orders keys `[explicit phase, repetition]` as the phases run. */
function compareKeys(left: readonly number[], right: readonly number[]): number {
  return left[0]! - right[0]! || left[1]! - right[1]!;
}

/**
 * The phases of a request. Changes run in order when the request says so (`phase` on a requested
 * change or an assignment; none is phase 0) or when it asks for the same file more than once
 * with different intents: the second intent on a file starts from the first one's result, and so
 * on. Within one explicit phase, the n-th distinct intent on a file goes to the n-th step. A
 * request with one phase is returned whole, as before phases existed.
 */
export function phasesOfRequest(scoped: ScopedRequest): RequestPhase[] {
  const { request } = scoped;
  const { changeKeys, assignmentKeys, keys } = phaseKeys(request);
  if (keys.length <= 1) return [{ number: 1, scoped }];
  return phasesByKey(scoped, changeKeys, assignmentKeys, keys);
}

/**
 * The requested changes of phase `number` (as {@link phasesOfRequest} numbers them; every change
 * when the request has one phase): what a re-dispatched assignment of that phase was asked to do.
 */
export function changesOfPhase(request: TaskRequest, number: number): RequestedChange[] {
  const { changeKeys, keys } = phaseKeys(request);
  if (keys.length <= 1) return request.requested_changes;
  const key = keys[number - 1];
  if (key === undefined) return [];
  return request.requested_changes.filter((_, position) => compareKeys(changeKeys[position]!, key) === 0);
}

/** The phase key `[explicit phase, repetition]` of every change and assignment, and the keys in order. */
function phaseKeys(request: TaskRequest): {
  changeKeys: Array<[number, number]>;
  assignmentKeys: Array<[number, number]>;
  keys: number[][];
} {
  const changeKeys: Array<[number, number]> = [];
  const intentsByFile = new Map<string, string[]>();
  for (const change of request.requested_changes) {
    const explicit = change.phase ?? 0;
    const fileKey = `${explicit}\u0000${change.path}`;
    const intents = intentsByFile.get(fileKey) ?? [];
    const intent = intentOf(change);
    let repetition = intents.indexOf(intent);
    if (repetition < 0) {
      repetition = intents.length;
      intents.push(intent);
      intentsByFile.set(fileKey, intents);
    }
    changeKeys.push([explicit, repetition]);
  }
  const assignmentKeys = (request.assignments ?? []).map((assignment): [number, number] => [
    assignment.phase ?? 0,
    0,
  ]);
  const keys = [...changeKeys, ...assignmentKeys]
    .map((key) => key.join(','))
    .filter((key, index, all) => all.indexOf(key) === index)
    .map((key) => key.split(',').map(Number))
    .sort(compareKeys);
  return { changeKeys, assignmentKeys, keys };
}

function phasesByKey(
  scoped: ScopedRequest,
  changeKeys: ReadonlyArray<[number, number]>,
  assignmentKeys: ReadonlyArray<[number, number]>,
  keys: readonly number[][],
): RequestPhase[] {
  const { request } = scoped;
  const created = new Set<string>();
  const deleted = new Set<string>();
  return keys.map((key, index) => {
    const inPhase = (candidate: readonly number[]) => compareKeys(candidate, key) === 0;
    const changes = request.requested_changes.filter((_, position) => inPhase(changeKeys[position]!));
    const assignments = (request.assignments ?? []).filter((_, position) =>
      inPhase(assignmentKeys[position]!),
    );
    const paths = new Set([
      ...changes.map((change) => change.path),
      ...assignments.flatMap((assignment) => assignment.file_targets),
    ]);
    const targetFiles = scoped.targetFiles
      .filter((file) => paths.has(file.path))
      .map((file) => ({
        path: file.path,
        exists: (file.exists || created.has(file.path)) && !deleted.has(file.path),
      }));
    for (const change of changes) {
      if (change.operation === 'delete') deleted.add(change.path);
      else {
        created.add(change.path);
        deleted.delete(change.path);
      }
    }
    const previous = keys[index - 1];
    const phase: RequestPhase = {
      number: index + 1,
      scoped: {
        ...scoped,
        request: {
          ...request,
          requested_changes: changes,
          ...(request.assignments === undefined ? {} : { assignments }),
        },
        targetFiles,
      },
    };
    if (previous !== undefined) phase.reason = previous[0] !== key[0] ? 'explicit order' : 'same file again';
    return phase;
  });
}

/**
 * Decomposes each phase of a request with `decomposeOne` (the deterministic or the model
 * orchestrator), numbering generated task ids across phases and marking each assignment with its
 * phase when there are several. Task ids must be unique across the whole plan.
 */
export async function decomposeInPhases<Result extends { planned: PlannedAssignment[] }>(
  scoped: ScopedRequest,
  options: DecomposeOptions,
  decomposeOne: (phase: ScopedRequest, options: DecomposeOptions) => Result | Promise<Result>,
): Promise<{ results: Result[]; planned: PlannedAssignment[]; phases: PhaseSummary[] }> {
  const phases = phasesOfRequest(scoped);
  const results: Result[] = [];
  const planned: PlannedAssignment[] = [];
  const summaries: PhaseSummary[] = [];
  for (const phase of phases) {
    const result = await decomposeOne(phase.scoped, {
      ...options,
      ...(phases.length > 1 ? { phase: phase.number } : {}),
      taskNumberOffset: planned.length,
    });
    results.push(result);
    planned.push(...result.planned);
    summaries.push({
      phase: phase.number,
      task_ids: result.planned.map((item) => item.assignment.task_id),
      ...(phase.reason === undefined ? {} : { reason: phase.reason }),
    });
  }
  requireUniqueTaskIds(planned.map((item) => item.assignment));
  return { results, planned, phases: summaries };
}

function requireUniqueTaskIds(assignments: readonly TaskAssignment[]): void {
  const seen = new Set<string>();
  for (const assignment of assignments) {
    if (seen.has(assignment.task_id)) {
      throw new HyperionError(
        'invalid_input',
        `assignments: task id '${assignment.task_id}' is used by two assignments of different phases`,
        { details: { field: 'assignments', task_id: assignment.task_id } },
      );
    }
    seen.add(assignment.task_id);
  }
}

/** The phase of a planned assignment (1 when the request has one phase). */
export function phaseOf(planned: PlannedAssignment): number {
  return planned.assignment.phase ?? 1;
}
