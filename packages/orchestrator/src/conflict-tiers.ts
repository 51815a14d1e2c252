import {
  HyperionError,
  TaskAssignmentSchema,
  parseWithSchema,
  type HyperionConfig,
  type QueueEntry,
} from '@hyperion/schema';
import type { AgentHarnessV1 } from '@hyperion/harness';
import { landingTargetFor } from '@hyperion/queue';
import type { HyperionStore } from '@hyperion/store';
import { runConflictResolver, type ChangeIntent, type ResolverOutcome } from './conflict-resolver.js';
import { quarantineConflicted, requireConflictedRequestEntry } from './conflict-quarantine.js';
import { redispatchBudget } from './redispatch-budget.js';
import { redispatchConflictedEntry, redispatchLimit, type RedispatchOptions } from './redispatch.js';
import type { RequestBudgetController } from './request-budget.js';
import { assignmentRunRecord } from './usage-record.js';

/** The conflict tiers, cheapest first. */
export type ConflictTier = 'three_way' | 'resolver' | 'redispatch' | 'quarantine';

/** One tier's outcome, as its `conflict:tier_finished` event records it. */
export interface ConflictTierRecord {
  /** The conflicted entry the tier worked on. */
  entry_id: string;
  /** Which tier this is: the 3-way merge, the resolver agent, re-dispatch or quarantine. */
  tier: ConflictTier;
  /**
   * `conflicted` (the 3-way merge), `not_tried`, `disabled`, `exhausted` (its attempts used up),
   * `failed`, `not_possible`, `refused`, `markers_left`, `no_change`, `budget_spent` (the request's
   * budget left no room for the run), `resubmitted`, `resolution_failed` (the resolution it
   * submitted was quarantined by the queue: its checks failed), `quarantined`.
   */
  outcome: string;
  /** Why, in one line. */
  reason: string | null;
  /** The tier's attempt number for the assignment, when it ran one. */
  attempt?: number;
  /** The new change it submitted, when it did. */
  change_id?: string;
}

/** Options of {@link handleConflictedEntry}. */
export interface ConflictTiersOptions extends RedispatchOptions {
  /** The resolver tier's harness (default: `harness`, the developer's). */
  resolverHarness?: AgentHarnessV1;
}

/** What {@link handleConflictedEntry} did. */
export type ConflictTiersOutcome =
  | {
      outcome: 'resolved' | 'redispatched';
      entry: QueueEntry;
      previous: QueueEntry;
      tiers: ConflictTierRecord[];
    }
  | { outcome: 'quarantined'; entry: QueueEntry; reason: string; tiers: ConflictTierRecord[] };

/**
 * Runs a conflicted pipeline entry through the conflict tiers after the queue's own 3-way merge,
 * each recorded as a `conflict:tier_finished` event on the entry: the resolver agent
 * (`orchestrator.conflict_tiers.resolver`), whose resolution is submitted as a new change against
 * the new tip (its `entry:enqueued` names the entry it resolves, `resolution_of`) and goes through
 * the checks like any change; then re-dispatch of the developer on the new tip
 * (`conflict_tiers.redispatch`); then quarantine, with every tier's outcome since the original
 * change in the `entry:quarantined` event. Attempts count per assignment, so a resolution that
 * conflicts again moves on to the next tier. The resolver's runs count against the request's budget
 * (like a re-dispatch, see {@link redispatchBudget}): none starts once it is spent, and the tier
 * moves on (re-dispatch then quarantines, failing the request).
 */
export async function handleConflictedEntry(
  entryId: string,
  options: ConflictTiersOptions,
): Promise<ConflictTiersOutcome> {
  const { entry, requestId } = await requireConflictedRequestEntry(
    options.store,
    entryId,
    'it has no conflict tiers',
  );
  const tiers = new TierRecorder(options.store, entryId);
  await tiers.record(await threeWayOutcome(options.store, entry));
  return runTiersAfterMerge(entry, requestId, options, tiers);
}

/** Records each tier's outcome as a `conflict:tier_finished` event on the conflicted entry. */
export class TierRecorder {
  /** The records of this run of the tiers, oldest first. */
  readonly records: ConflictTierRecord[] = [];

  constructor(
    private readonly store: HyperionStore,
    private readonly entryId: string,
  ) {}

  /** Records one tier's outcome on the entry (an event) and in {@link TierRecorder.records}. */
  async record(tier: Omit<ConflictTierRecord, 'entry_id'>): Promise<void> {
    const full = { entry_id: this.entryId, ...tier };
    this.records.push(full);
    await this.store.recordEvent(this.entryId, 'conflict:tier_finished', { ...full }, 'orchestrator');
  }
}

/**
 * The tiers after the 3-way merge, on a conflicted entry of request `requestId`: the resolver,
 * re-dispatch, then quarantine (see {@link handleConflictedEntry}). Also where a resolution that
 * failed its checks sends its conflicted entry on (see `handleFailedResolution`): attempts count
 * per assignment, so the tiers already used are `exhausted`.
 */
export async function runTiersAfterMerge(
  entry: QueueEntry,
  requestId: string,
  options: ConflictTiersOptions,
  tiers: TierRecorder,
): Promise<ConflictTiersOutcome> {
  const { store } = options;
  const config = options.config ?? options.queue.config;
  const entryId = entry.id;
  const record = (tier: Omit<ConflictTierRecord, 'entry_id'>) => tiers.record(tier);

  const resolved = await resolverTier(entry, requestId, config, options, record);
  if (resolved !== undefined) {
    return { outcome: 'resolved', entry: resolved, previous: entry, tiers: tiers.records };
  }

  const limit = redispatchLimit(config);
  let used = await redispatchesUsed(store, entry.task_id);
  if (limit === 0) await record({ tier: 'redispatch', outcome: 'disabled', reason: 'max_attempts is 0' });
  else if (used >= limit) {
    await record({
      tier: 'redispatch',
      outcome: 'exhausted',
      reason: `${used} of ${limit} re-dispatches used`,
    });
  }
  while (used < limit) {
    const result = await redispatchConflictedEntry(entryId, { ...options, config });
    if (result.outcome === 'quarantined') {
      return { outcome: 'quarantined', entry: result.entry, reason: result.reason, tiers: tiers.records };
    }
    used = result.redispatch;
    if (result.outcome === 'resubmitted') {
      await record({
        tier: 'redispatch',
        outcome: 'resubmitted',
        reason: null,
        attempt: used,
        change_id: result.entry.id,
      });
      return { outcome: 'redispatched', entry: result.entry, previous: entry, tiers: tiers.records };
    }
    await record({ tier: 'redispatch', outcome: 'failed', reason: result.error.message, attempt: used });
  }

  // Every tier this entry went through, in earlier runs of the tiers too, after its ancestors'.
  const history = [...(await earlierTiers(store, entry)), ...(await tierRecordsOf(store, entryId))];
  const reason = `conflicted, and every conflict tier is used up: ${history
    .filter((tier) => tier.entry_id === entryId)
    .map((tier) => `${tier.tier} ${tier.outcome}`)
    .join(', ')}`;
  const quarantined = await quarantineConflicted(store, options.queue, entry, reason, {
    tiers: [...history, { entry_id: entryId, tier: 'quarantine', outcome: 'quarantined', reason }],
    redispatches: used,
  });
  tiers.records.push({ entry_id: entryId, tier: 'quarantine', outcome: 'quarantined', reason });
  return { outcome: 'quarantined', entry: quarantined, reason, tiers: tiers.records };
}

/** The resolver tier: its attempts until one resolves; the new entry, or undefined to move on. */
async function resolverTier(
  entry: QueueEntry,
  requestId: string,
  config: HyperionConfig,
  options: ConflictTiersOptions,
  record: (tier: Omit<ConflictTierRecord, 'entry_id'>) => Promise<void>,
): Promise<QueueEntry | undefined> {
  const settings = config.orchestrator.conflict_tiers.resolver;
  if (!settings.enabled || settings.max_attempts === 0) {
    await record({ tier: 'resolver', outcome: 'disabled', reason: 'conflict_tiers.resolver is off' });
    return undefined;
  }
  const { store } = options;
  const harness = options.resolverHarness ?? options.harness;
  const used = (await store.listAssignmentRuns({ taskId: entry.task_id })).filter(
    (run) => run.role === 'resolver',
  ).length;
  if (used >= settings.max_attempts) {
    await record({
      tier: 'resolver',
      outcome: 'exhausted',
      reason: `${used} of ${settings.max_attempts} resolver runs used`,
    });
    return undefined;
  }
  const requestRecord = await store.getRequest(requestId);
  // The request's budget covers the resolver's runs too: none starts once it is spent.
  const budget =
    requestRecord === undefined ? undefined : await redispatchBudget(store, requestRecord, config);
  try {
    return await resolverAttempts(entry, requestId, config, options, record, {
      harness,
      used,
      ...(budget === undefined ? {} : { budget }),
    });
  } finally {
    budget?.dispose();
  }
}

/** The resolver tier's runs, each one only while the request's budget has room. */
async function resolverAttempts(
  entry: QueueEntry,
  requestId: string,
  config: HyperionConfig,
  options: ConflictTiersOptions,
  record: (tier: Omit<ConflictTierRecord, 'entry_id'>) => Promise<void>,
  attempts: { harness: AgentHarnessV1; used: number; budget?: RequestBudgetController },
): Promise<QueueEntry | undefined> {
  const { store } = options;
  const settings = config.orchestrator.conflict_tiers.resolver;
  const { harness, budget } = attempts;
  const budgeted = budget === undefined ? harness : budget.harness(harness);
  let used = attempts.used;
  const intent = await changeIntent(store, entry);
  const tip = await landingTargetFor(options.repository, config).tip(entry.target_branch);
  while (used < settings.max_attempts) {
    const spent = budget?.spentReason();
    if (spent !== undefined) {
      await record({ tier: 'resolver', outcome: 'budget_spent', reason: `not run: ${spent}` });
      return undefined;
    }
    used += 1;
    let result = await runConflictResolver(entry, {
      repository: options.repository,
      harness: budgeted,
      worktreesDirectory: options.worktreesDirectory,
      tip,
      intent,
      budget: {
        timeoutMs: config.agent.timeout_ms,
        ...(config.agent.max_tokens === undefined ? {} : { maxTokens: config.agent.max_tokens }),
      },
      signal: options.signal,
    });
    if (result.outcome === 'failed' && result.kind === 'not_possible') {
      await record({ tier: 'resolver', outcome: 'not_possible', reason: result.reason });
      return undefined;
    }
    const runData = { resolution_of: entry.id, tip, conflicted_files: result.conflictedFiles };
    if (result.outcome === 'resolved') {
      const submitted = await submitResolution(entry, requestId, result, used, harness, options, runData);
      if ('refusal' in submitted) {
        // The agent's output, refused by the queue (a symlink, binary content, too big…): a
        // failed attempt like any other, never an error that stops the tiers.
        result = {
          outcome: 'failed',
          kind: 'refused',
          reason: `the queue refuses the resolution: ${submitted.refusal}`,
          conflictedFiles: result.conflictedFiles,
          ...(result.run === undefined ? {} : { run: result.run }),
        };
      } else {
        await record({
          tier: 'resolver',
          outcome: 'resubmitted',
          reason: null,
          attempt: used,
          change_id: submitted.id,
        });
        return submitted;
      }
    }
    await store.recordAssignmentRun(
      assignmentRunRecord(requestId, {
        role: 'resolver',
        taskId: entry.task_id,
        harness: harness.harnessId,
        result: result.run ?? { status: 'failed', text: '', usage: { reported: false }, durationMs: 0 },
        status: result.kind === 'agent_failed' ? undefined : result.kind,
        error: result.reason,
        attempt: used,
        data: runData,
      }),
    );
    await record({
      tier: 'resolver',
      outcome: result.kind === 'agent_failed' ? 'failed' : result.kind,
      reason: result.reason,
      attempt: used,
    });
  }
  return undefined;
}

/** Submits the resolution as a normal entry, linked to the conflicted one, with its agent run. */
async function submitResolution(
  entry: QueueEntry,
  requestId: string,
  result: Extract<ResolverOutcome, { outcome: 'resolved' }>,
  attempt: number,
  harness: AgentHarnessV1,
  options: ConflictTiersOptions,
  runData: Record<string, unknown>,
): Promise<QueueEntry | { refusal: string }> {
  const original = (await options.store.getChangeRequest(entry.id)) as { checks?: unknown } | undefined;
  const checks = Array.isArray(original?.checks) ? (original.checks as string[]) : undefined;
  try {
    return await submitResolutionInTransaction(entry, requestId, result, attempt, harness, options, {
      runData,
      checks,
    });
  } catch (error) {
    if (HyperionError.isInstance(error) && SUBMISSION_REFUSALS.has(error.code)) {
      return { refusal: error.message };
    }
    throw error;
  }
}

/** The codes with which the queue refuses a change request's content (not a store failure). */
const SUBMISSION_REFUSALS = new Set<string>(['invalid_input', 'unsafe_path']);

async function submitResolutionInTransaction(
  entry: QueueEntry,
  requestId: string,
  result: Extract<ResolverOutcome, { outcome: 'resolved' }>,
  attempt: number,
  harness: AgentHarnessV1,
  options: ConflictTiersOptions,
  { runData, checks }: { runData: Record<string, unknown>; checks: string[] | undefined },
): Promise<QueueEntry> {
  return options.store.transaction(async (transaction) => {
    const created = await options.queue.submitInTransaction(
      transaction,
      { ...result.changeRequest, ...(checks === undefined ? {} : { checks }) },
      {
        requestId,
        priority: entry.priority,
        eventData: { source: 'conflict_resolver', resolution_of: entry.id, attempt, tip: runData['tip'] },
      },
    );
    await transaction.updateAssignment(entry.task_id, 'submitted');
    await transaction.recordAssignmentRun(
      assignmentRunRecord(requestId, {
        role: 'resolver',
        taskId: entry.task_id,
        harness: harness.harnessId,
        result: result.run ?? {
          status: 'ok',
          text: 'merged cleanly',
          usage: { reported: false },
          durationMs: 0,
        },
        attempt,
        changeId: created.id,
        data: runData,
      }),
    );
    return created;
  });
}

/** The 3-way merge's outcome, from the conflict report the queue stored with `entry:conflicted`. */
async function threeWayOutcome(
  store: HyperionStore,
  entry: QueueEntry,
): Promise<Omit<ConflictTierRecord, 'entry_id'>> {
  const conflicted = (await store.listEvents({ entryId: entry.id }))
    .filter((event) => event.type === 'entry:conflicted')
    .at(-1);
  const report = conflicted?.data['report'] as
    { base_commit?: unknown; files?: Array<{ path?: unknown }>; dependencies?: unknown[] } | undefined;
  if (Array.isArray(report?.dependencies) && report.dependencies.length > 0) {
    return { tier: 'three_way', outcome: 'not_tried', reason: 'stacked on changes that did not land' };
  }
  if (entry.base_commit === null) {
    return { tier: 'three_way', outcome: 'not_tried', reason: 'the change names no base commit' };
  }
  const files = (report?.files ?? []).map((file) => String(file.path)).join(', ');
  return {
    tier: 'three_way',
    outcome: 'conflicted',
    reason: files === '' ? entry.last_error : `conflicts in ${files}`,
  };
}

/** The assignment's summary and instructions (the entry's summary when the assignment is gone). */
async function changeIntent(store: HyperionStore, entry: QueueEntry): Promise<ChangeIntent> {
  if (entry.request_id === null) return { summary: entry.summary, instructions: [] };
  const record = (await store.listAssignments(entry.request_id)).find(
    (assignment) => assignment.task_id === entry.task_id,
  );
  if (record === undefined) return { summary: entry.summary, instructions: [] };
  const assignment = parseWithSchema(TaskAssignmentSchema, record.body, `assignment ${entry.task_id}`);
  return { summary: assignment.summary, instructions: assignment.instructions };
}

async function redispatchesUsed(store: HyperionStore, taskId: string): Promise<number> {
  return (await store.listAssignmentRuns({ taskId })).filter(
    (run) => run.role === 'developer' && run.attempt > 1,
  ).length;
}

/**
 * The tier records of the entries this one descends from (through `resolution_of` and
 * `redispatch_of` in their `entry:enqueued` events), oldest first.
 */
async function earlierTiers(store: HyperionStore, entry: QueueEntry): Promise<ConflictTierRecord[]> {
  const chain: ConflictTierRecord[][] = [];
  const seen = new Set([entry.id]);
  let current: string | undefined = await parentOf(store, entry.id);
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const events = await store.listEvents({ entryId: current });
    chain.unshift(tierRecordsIn(events));
    current = parentFrom(events[0]?.data);
  }
  return chain.flat();
}

/** The `conflict:tier_finished` records among `events`, in their order. */
function tierRecordsIn(events: ReadonlyArray<{ type: string; data: unknown }>): ConflictTierRecord[] {
  return events
    .filter((event) => event.type === 'conflict:tier_finished')
    .map((event) => event.data as ConflictTierRecord);
}

/** The tier records of one entry, oldest first. */
async function tierRecordsOf(store: HyperionStore, entryId: string): Promise<ConflictTierRecord[]> {
  return tierRecordsIn(await store.listEvents({ entryId }));
}

/**
 * The entry that `entryId` resolves (`resolution_of` in its `entry:enqueued` event), when it is a
 * conflict resolution.
 */
export async function resolutionOf(store: HyperionStore, entryId: string): Promise<string | undefined> {
  const parent = (await store.listEvents({ entryId, limit: 1 }))[0]?.data['resolution_of'];
  return typeof parent === 'string' ? parent : undefined;
}

async function parentOf(store: HyperionStore, entryId: string): Promise<string | undefined> {
  return parentFrom((await store.listEvents({ entryId, limit: 1 }))[0]?.data);
}

function parentFrom(data: Record<string, unknown> | undefined): string | undefined {
  const parent = data?.['resolution_of'] ?? data?.['redispatch_of'];
  return typeof parent === 'string' ? parent : undefined;
}
