/**
 * Engineer, orchestrator and developer runner: turns a Hyperion TaskRequest into scoped, enqueued
 * change requests.
 *
 * @packageDocumentation
 * @module @hyperion/orchestrator
 */
export { loadTaskRequest } from './load-task-request.js';
export {
  clarifyScope,
  scopeByRules,
  essentialQuestions,
  requireNoOpenQuestions,
  applyAnswers,
  requestPaths,
  type ScopedRequest,
  type RequestClassification,
  type RequestRisk,
  type OpenQuestion,
} from './engineer.js';
export { BaseFiles, MAX_NEAR_MISS_EDITS, type NearMiss, type NearMissKind } from './base-files.js';
export {
  scopeWithModel,
  scopedRequestJsonSchema,
  ScopedRequestOutputSchema,
  type ScopedRequestOutput,
  type ModelEngineerOptions,
} from './model-engineer.js';
export {
  decompose,
  assignmentInstructionsText,
  type PlannedAssignment,
  type DecomposeOptions,
  type AssignmentDraft,
} from './decompose.js';
export {
  decomposeWithModel,
  repairDecomposition,
  DecompositionOutputSchema,
  type ModelDecomposition,
  type ModelOrchestratorOptions,
} from './model-orchestrator.js';
export { decompositionPolicy, resolveChecks, type DecompositionPolicy } from './decomposition-policy.js';
export { tokenCount } from './token-count.js';
export { runDeveloper, type DeveloperOptions, type DeveloperResult } from './developer.js';
export { runWithinBudget, budgetOverrun } from './run-within-budget.js';
export {
  runRequestPipeline,
  newRequestId,
  type RequestPipelineOptions,
  type RequestOutcome,
} from './request-pipeline.js';
export {
  redispatchConflictedEntry,
  redispatchLimit,
  type RedispatchOptions,
  type RedispatchOutcome,
} from './redispatch.js';
export {
  handleConflictedEntry,
  type ConflictTier,
  type ConflictTierRecord,
  type ConflictTiersOptions,
  type ConflictTiersOutcome,
} from './conflict-tiers.js';
export { handleFailedResolution } from './failed-resolution.js';
export {
  runConflictResolver,
  type ChangeIntent,
  type ConflictResolverOptions,
  type ResolverFailureKind,
  type ResolverOutcome,
} from './conflict-resolver.js';
export {
  markUpConflicts,
  hasConflictMarkers,
  type MarkedUpFile,
  type MarkupOutcome,
} from './conflict-markup.js';
export {
  checkPlanText,
  checkPlanFile,
  formatPlanProblems,
  posixPatternToRegExp,
  requireApprovedPlan,
  type PlanCheck,
  type PlanProblem,
} from './plan-gate.js';
export {
  InboxWatcher,
  processInboxOnce,
  type InboxResult,
  type InboxWatcherOptions,
} from './inbox-watcher.js';
export {
  baseForAssignment,
  type AssignmentBase,
  type AssignmentBaseContext,
  type CollisionPolicy,
  type CollisionReport,
} from './collision-policy.js';
export { scanCollisions, type CollisionOverlap, type CollisionScan } from './collision-scan.js';
export { projectCommit, type ProjectedPatch, type Projection } from './collision-projection.js';
export {
  phasesOfRequest,
  changesOfPhase,
  decomposeInPhases,
  phaseOf,
  type RequestPhase,
  type PhaseReason,
  type PhaseSummary,
} from './phase-plan.js';
export {
  developInPhases,
  dependenciesOf,
  enqueuedEventData,
  type DevelopAssignments,
  type PhaseFailure,
  type PhasedDevelopment,
} from './phase-runner.js';
export { previewRequestPlan, type RequestPlanPreview } from './phase-preview.js';
export {
  RequestBudgetController,
  requestBudgetReport,
  type RequestBudgetControllerOptions,
  type RequestBudgetReport,
  type RequestSpending,
} from './request-budget.js';
export { redispatchBudget } from './redispatch-budget.js';
export {
  decidePartialLanding,
  failedAssignment,
  partialReason,
  type FailedAssignment,
  type PartialLandingDecision,
} from './partial-landing.js';
