import { HyperionError, type HyperionConfig, type QueueEntry } from '@hyperion/schema';
import type { GitRepository } from '@hyperion/git';
import type { HyperionStore } from '@hyperion/store';
import { projectCommit, type ProjectedPatch } from './collision-projection.js';
import { scanCollisions, type CollisionOverlap } from './collision-scan.js';
import type { PlannedAssignment } from './decompose.js';

/** What an assignment does about entries on its files: `orchestrator.collisions`. */
export type CollisionPolicy = HyperionConfig['orchestrator']['collisions'];

/** What the orchestrator found and did for one assignment whose files other entries touch. */
export interface CollisionReport {
  /** The assignment whose files other entries touch. */
  task_id: string;
  /** The entries queued or in flight on its files, and which files. */
  overlaps: CollisionOverlap[];
  /**
   * `stacked`: the developer started from the projected tip (the branch plus those entries) and
   * the change is enqueued stacked on them; `waited`: it started after they finished; `ignored`:
   * it started from the branch (policy `ignore`); `unstacked`: the projection could not be built,
   * so it started from the branch and the queue handles the overlap when its turn comes.
   */
  action: 'stacked' | 'waited' | 'ignored' | 'unstacked';
  /** The commit its developer started from. */
  base_commit: string;
  /** The entries its change is enqueued stacked on (other requests' entries). */
  stacked_on: string[];
  /** One line: what the entries waited for became, or why the projection could not be built. */
  detail?: string;
}

/** Where one assignment's developer starts, and what its entry is stacked on. */
export interface AssignmentBase {
  /** The commit its developer starts from. */
  commit: string;
  /** Other requests' entries its change is enqueued stacked on. */
  dependsOn: string[];
  /** What was found and done, when other entries touch its files. */
  report?: CollisionReport;
}

/** What {@link baseForAssignment} needs. */
export interface AssignmentBaseContext {
  /** The repository the request works on. */
  repository: GitRepository;
  /** The store read for entries queued or in flight. */
  store: HyperionStore;
  /** The configuration: `orchestrator.collisions` and `collision_wait_ms`. */
  config: HyperionConfig;
  /** The request the assignment belongs to. */
  requestId: string;
  /** The commit the request started from. */
  baseCommit: string;
  /** Reads the landing tip now (after a wait, or for a projection). */
  tip: () => Promise<string>;
  /** Patches of the request's earlier phases, in order (empty in the first phase). */
  earlier: readonly ProjectedPatch[];
  /** The files those patches touch. */
  earlierFiles: readonly string[];
  /** Stops a wait for the entries on the files. */
  signal?: AbortSignal;
}

/**
 * Decides where an assignment's developer starts, by `orchestrator.collisions`, from the entries
 * queued or in flight on its files (read through the store's file index): none, the request's
 * base (plus its earlier phases); `stack`, the projected tip — the branch plus those entries
 * applied in landing order (plus the earlier phases) — with the change enqueued stacked on them;
 * `wait`, the branch after those entries land or fail, up to `orchestrator.collision_wait_ms`
 * (then `not_landed`); `ignore`, the request's base, overlaps only reported.
 */
export async function baseForAssignment(
  planned: PlannedAssignment,
  context: AssignmentBaseContext,
): Promise<AssignmentBase> {
  const { config, store } = context;
  const taskId = planned.assignment.task_id;
  const files = planned.assignment.file_targets;
  const scanOf = () =>
    scanCollisions(store, config.target_branch, files, {
      ownRequest: context.requestId,
      contextFiles: context.earlierFiles,
    });
  let scan = await scanOf();
  const policy = config.orchestrator.collisions;
  if (scan.ahead.length === 0 || policy === 'ignore') {
    const commit = await requireProjection(context, context.baseCommit, context.earlier, taskId);
    if (scan.overlaps.length === 0) return { commit, dependsOn: [] };
    return {
      commit,
      dependsOn: [],
      report: {
        task_id: taskId,
        overlaps: scan.overlaps,
        action: 'ignored',
        base_commit: commit,
        stacked_on: [],
      },
    };
  }
  const overlaps = scan.overlaps;
  if (policy === 'wait') {
    const deadline = Date.now() + config.orchestrator.collision_wait_ms;
    const details: string[] = [];
    const waitedFor = [...overlaps];
    // Entries queued on the files while it waited are ahead of it too: it waits for them as well,
    // within the same time, so the developer starts after everything on its files.
    while (scan.ahead.length > 0) {
      details.push(await waitForEntries(scan.ahead, taskId, context, deadline));
      scan = await scanOf();
      for (const overlap of scan.overlaps) {
        if (!waitedFor.some((known) => known.change_id === overlap.change_id)) waitedFor.push(overlap);
      }
    }
    const commit = await requireProjection(context, await context.tip(), context.earlier, taskId);
    return {
      commit,
      dependsOn: [],
      report: {
        task_id: taskId,
        overlaps: waitedFor,
        action: 'waited',
        base_commit: commit,
        stacked_on: [],
        detail: details.join(', '),
      },
    };
  }
  let reason = '';
  // Twice: an entry that lands between the read of the entries and the read of the tip is on both.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const tip = await context.tip();
    const projection = await projectCommit(context.repository, tip, [
      ...scan.ahead.map((entry) => ({ id: entry.id, patch: entry.patch })),
      ...context.earlier,
    ]);
    if (projection.built) {
      const stackedOn = scan.overlaps.map((overlap) => overlap.change_id);
      return {
        commit: projection.commit,
        dependsOn: stackedOn,
        report: {
          task_id: taskId,
          overlaps,
          action: 'stacked',
          base_commit: projection.commit,
          stacked_on: stackedOn,
        },
      };
    }
    reason = projection.reason;
    scan = await scanOf();
    if (scan.ahead.length === 0) break;
  }
  const commit = await requireProjection(context, await context.tip(), context.earlier, taskId);
  return {
    commit,
    dependsOn: [],
    report: {
      task_id: taskId,
      overlaps,
      action: 'unstacked',
      base_commit: commit,
      stacked_on: [],
      detail: `the projected tip could not be built (${reason}); started from the branch`,
    },
  };
}

/** `base` with the earlier phases on top; a phase whose predecessors do not apply is an error. */
async function requireProjection(
  context: AssignmentBaseContext,
  base: string,
  patches: readonly ProjectedPatch[],
  taskId: string,
): Promise<string> {
  let projection = await projectCommit(context.repository, base, patches);
  if (projection.built) return projection.commit;
  // An earlier phase stacked on entries that have landed since: their tip holds what it needs.
  const tip = await context.tip();
  if (tip !== base) projection = await projectCommit(context.repository, tip, patches);
  if (projection.built) return projection.commit;
  throw new HyperionError(
    'patch_does_not_apply',
    `${taskId}: the earlier phases' changes do not apply on ${base.slice(0, 12)}: ${projection.reason}`,
    { details: { taskId, base, reason: projection.reason } },
  );
}

const UNFINISHED = new Set(['queued', 'running', 'awaiting_approval']);

/**
 * Waits until `entries` have all finished, at the latest until `deadline` (epoch milliseconds);
 * one line saying what became of them.
 */
async function waitForEntries(
  entries: readonly QueueEntry[],
  taskId: string,
  context: AssignmentBaseContext,
  deadline: number,
): Promise<string> {
  const { store, config } = context;
  const limit = config.orchestrator.collision_wait_ms;
  for (;;) {
    const current = await Promise.all(entries.map((entry) => store.requireEntry(entry.id)));
    const unfinished = current.filter((entry) => UNFINISHED.has(entry.state));
    if (unfinished.length === 0) return current.map((entry) => `${entry.id} ${entry.state}`).join(', ');
    const remaining = deadline - Date.now();
    if (context.signal?.aborted === true) {
      throw new HyperionError(
        'invalid_state',
        `${taskId}: stopped while waiting for the entries on its files`,
      );
    }
    if (remaining <= 0) {
      throw new HyperionError(
        'not_landed',
        `${taskId}: waited ${limit} ms (orchestrator.collision_wait_ms) for the entries on its files, still unfinished: ${unfinished.map((entry) => `${entry.id} ${entry.state}`).join(', ')}`,
        {
          details: { taskId, unfinished: unfinished.map((entry) => ({ id: entry.id, state: entry.state })) },
        },
      );
    }
    await store.waitForChange(Math.min(remaining, 1_000), context.signal);
  }
}
