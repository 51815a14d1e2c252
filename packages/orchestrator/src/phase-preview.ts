import { runGit, type GitRepository } from '@hyperion/git';
import { landingTargetFor } from '@hyperion/queue';
import type { HyperionConfig, TaskRequest } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';
import { BaseFiles } from './base-files.js';
import type { CollisionPolicy } from './collision-policy.js';
import { scanCollisions, type CollisionOverlap } from './collision-scan.js';
import { decompose } from './decompose.js';
import { decompositionPolicy } from './decomposition-policy.js';
import { requireNoOpenQuestions, scopeByRules } from './engineer.js';
import { decomposeInPhases, type PhaseSummary } from './phase-plan.js';
import { requireApprovedPlan } from './plan-gate.js';
import { readFilesAtCommit } from './read-files-at-commit.js';

/** What {@link previewRequestPlan} shows: the plan a request would get now, nothing run. */
export interface RequestPlanPreview {
  /** The request's id. */
  request_id: string;
  /** The commit the request would start from. */
  base_commit: string;
  /** The phases, in order. */
  phases: PhaseSummary[];
  /** Each assignment with its phase, summary and files. */
  assignments: Array<{ task_id: string; phase: number; summary: string; files: string[] }>;
  /** The entries queued or in flight on each assignment's files, and what the policy would do. */
  collisions: {
    policy: CollisionPolicy;
    predicted: Array<{ task_id: string; overlaps: CollisionOverlap[] }>;
  };
}

/**
 * The plan of a request as the deterministic engineer and orchestrator make it now, with its
 * phases and the collisions predicted from the queue (read through the store's file index): no
 * agent runs, nothing is written. Open questions and bad input fail as `hyperion request` would.
 */
export async function previewRequestPlan(
  request: TaskRequest,
  options: { repository: GitRepository; store: HyperionStore; config: HyperionConfig },
): Promise<RequestPlanPreview> {
  const { repository, store, config } = options;
  const plan = requireApprovedPlan(repository.root, config.plan);
  const baseCommit = await landingTargetFor(repository, config).tip(config.target_branch);
  const listing = await runGit(['ls-tree', '-r', '--name-only', '-z', baseCommit], { cwd: repository.root });
  const baseFiles = BaseFiles.of(listing.stdout.split('\0').filter((path) => path !== ''));
  const requestId = request.request_id ?? 'REQ-preview';
  const scoped = requireNoOpenQuestions(scopeByRules(request, requestId, baseFiles));
  const contents = await readFilesAtCommit(
    repository,
    baseCommit,
    scoped.targetFiles.filter((file) => file.exists).map((file) => file.path),
  );
  const policy = decompositionPolicy(config, plan?.validationPolicy, scoped.request.checks);
  const phased = await decomposeInPhases(scoped, { baseCommit, policy, contents }, (phase, phaseOptions) => ({
    planned: decompose(phase, phaseOptions),
  }));
  const predicted: RequestPlanPreview['collisions']['predicted'] = [];
  for (const item of phased.planned) {
    const scan = await scanCollisions(store, config.target_branch, item.assignment.file_targets, {
      ownRequest: requestId,
    });
    if (scan.overlaps.length > 0)
      predicted.push({ task_id: item.assignment.task_id, overlaps: scan.overlaps });
  }
  return {
    request_id: requestId,
    base_commit: baseCommit,
    phases: phased.phases,
    assignments: phased.planned.map((item) => ({
      task_id: item.assignment.task_id,
      phase: item.assignment.phase ?? 1,
      summary: item.assignment.summary,
      files: item.assignment.file_targets,
    })),
    collisions: { policy: config.orchestrator.collisions, predicted },
  };
}
