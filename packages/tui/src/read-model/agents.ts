import type { QueueState } from '@hyperion/schema';
import type { AssignmentRecord, AssignmentRun, StoreReadModel } from '@hyperion/store';
import type { DashboardAgent } from './model.js';
import type { RequestReading } from './requests.js';

/** Why a submitted assignment still needs attention, by the state of its entry. */
const ENTRY_HOLDS: Partial<Record<QueueState, Pick<DashboardAgent, 'status' | 'detail'>>> = {
  awaiting_approval: { status: 'waiting', detail: 'its change awaits approval' },
  conflicted: { status: 'blocked', detail: 'its change conflicted' },
  quarantined: { status: 'blocked', detail: 'its change was quarantined' },
};

function standing(
  reading: RequestReading,
  assignment: AssignmentRecord,
): Pick<DashboardAgent, 'status' | 'detail'> | undefined {
  if (reading.record.status === 'blocked' && assignment.status !== 'submitted')
    return { status: 'blocked', detail: reading.record.error ?? 'the request is blocked' };
  if (assignment.status === 'running') return { status: 'running', detail: null };
  if (assignment.status === 'planned') return { status: 'waiting', detail: 'waiting for a developer' };
  if (assignment.status === 'submitted') {
    const state = reading.entryStates.get(assignment.task_id);
    return state === undefined ? undefined : ENTRY_HOLDS[state];
  }
  return undefined;
}

function usage(runs: readonly AssignmentRun[], taskId: string): Pick<DashboardAgent, 'harness' | 'tokens'> {
  const own = runs.filter((run) => run.task_id === taskId);
  const latest = own.at(-1) ?? runs.at(-1);
  let tokens: number | null = null;
  for (const run of own) {
    if (run.input_tokens === null && run.output_tokens === null) continue;
    tokens = (tokens ?? 0) + (run.input_tokens ?? 0) + (run.output_tokens ?? 0);
  }
  return { harness: latest?.harness ?? null, tokens };
}

/**
 * The assignments of the newest requests that an agent is running, or that wait (for a developer,
 * for an approval) or are blocked (a blocked request, a conflicted or quarantined change): running
 * first, then blocked, then waiting, at most `limit`. Agent runs are read only for requests that
 * have such an assignment.
 */
export async function deriveAgents(
  store: Pick<StoreReadModel, 'listAssignmentRuns'>,
  readings: readonly RequestReading[],
  now: number,
  limit = 100,
): Promise<DashboardAgent[]> {
  const agents: DashboardAgent[] = [];
  for (const reading of readings) {
    const open = reading.assignments
      .map((assignment) => ({ assignment, standing: standing(reading, assignment) }))
      .filter((item) => item.standing !== undefined);
    if (open.length === 0) continue;
    const runs = await store.listAssignmentRuns({ requestId: reading.record.id });
    for (const { assignment, standing: how } of open) {
      const updated = Date.parse(assignment.updated_at);
      agents.push({
        taskId: assignment.task_id,
        requestId: assignment.request_id,
        summary: assignment.summary,
        ...usage(runs, assignment.task_id),
        status: how!.status,
        detail: how!.detail,
        elapsedMs: Number.isNaN(updated) ? 0 : Math.max(0, now - updated),
      });
    }
    if (agents.length >= limit) break;
  }
  const rank = { running: 0, blocked: 1, waiting: 2 } as const;
  return agents.sort((left, right) => rank[left.status] - rank[right.status]).slice(0, limit);
}
