import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import PQueue from 'p-queue';
import { HyperionError, type ChangeRequest, type HyperionConfig, type QueueEntry } from '@hyperion/schema';
import {
  consolidatePacks,
  isProcessAlive,
  useGitSpawner,
  type GitRepository,
  type LandingTarget,
} from '@hyperion/git';
import { landingTargetFor } from './landing-target.js';
import type {
  EntryFilter,
  HyperionStore,
  NewQueueEntry,
  QueueControls,
  StoreTransaction,
} from '@hyperion/store';
import { approveEntry, bumpEntry, cancelEntry, rejectEntry, type Actor } from './human-actions.js';
import { conflictDependentsOf, planRollback, ROLLBACK_PRIORITY, type PlannedRevert } from './rollback.js';
import { checkStacking } from './stacking.js';
import { ShellCheckRunner, type CheckRunner } from './check-runner.js';
import type { QueueEvents } from './events.js';
import { requirePathsAsGitReadsThem } from './git-read-paths.js';
import { prepareSubmission, type SubmissionContext } from './prepare-submission.js';
import type { SpeculationBoard } from './speculation.js';
import { storeSpeculationBoardFor } from './speculation-default.js';
import { silentLogger, type QueueLogger, type QueueRuntime } from './runtime.js';
import { QueueWorker, type WorkOutcome } from './worker.js';

/** Options of {@link MergeQueue}. */
export interface MergeQueueOptions {
  /** The store holding the queue. */
  store: HyperionStore;
  /** The repository whose target branch the queue lands on. */
  repository: GitRepository;
  /** The configuration in force. */
  config: HyperionConfig;
  /** Where worker worktrees are created (normally `.hyperion/worktrees`). */
  worktreesDirectory: string;
  /** Where the target branch lives; defaults to the one the config chooses (`landingTargetFor`). */
  landing?: LandingTarget;
  /** Runs the checks; defaults to {@link ShellCheckRunner}. */
  checkRunner?: CheckRunner;
  /** Structured logger; silent by default. */
  logger?: QueueLogger;
  /** Overrides `config.apply.mode === 'dry-run'`. */
  dryRun?: boolean;
  /**
   * Called (awaited, errors logged) after an entry became `conflicted`: the hook where a pipeline
   * re-dispatches the change to its developer on the new tip.
   */
  onConflicted?: (entry: QueueEntry) => Promise<void>;
  /**
   * Called (awaited, errors logged) after a worker quarantined an entry for its own failure (its
   * checks failed on its last attempt, or an attempt failed unexpectedly): the hook where a
   * pipeline moves a failed conflict resolution on to its next conflict tier.
   */
  onQuarantined?: (entry: QueueEntry) => Promise<void>;
  /**
   * Where workers publish the candidates they build, for speculative stacking; by default a
   * `StoreSpeculationBoard` in the store, shared by every worker process of the queue (pass a
   * `ProcessSpeculationBoard` to share among this process's workers only).
   */
  speculation?: SpeculationBoard;
}

/** How {@link MergeQueue.runWorkers} stops. */
export type RunMode = 'once' | 'drain' | 'forever';

/** Options of {@link MergeQueue.runWorkers}. */
export interface RunWorkersOptions {
  /** `once`: one entry at most; `drain`: until nothing is queued or running; `forever`: until aborted. */
  mode: RunMode;
  /** Concurrent workers (default: `config.workers`). */
  workers?: number;
  /** Stops the loop (in-flight entries finish first). */
  signal?: AbortSignal;
}

/** Numbers this process's workers across every queue, so worker ids (lease owners, worktree names) never repeat. */
let workerSequence = 0;

/**
 * Tells this process's worker ids from those of a dead process that had the same pid (pids are
 * reused quickly under load): a reused id would inherit the dead worker's half-made worktree.
 */
const PROCESS_TOKEN = randomBytes(3).toString('hex');

/** What {@link MergeQueue.rollback} planned and enqueued. */
export interface RollbackResult {
  /** The reverts, newest landing first. */
  plans: PlannedRevert[];
  /** The revert entries enqueued (empty for a dry run). */
  enqueued: QueueEntry[];
  /** Waiting entries stacked on a rolled-back change, now conflicted (empty for a dry run). */
  conflicted: QueueEntry[];
}

/** Per-outcome counts of one {@link MergeQueue.runWorkers} call. */
export type RunSummary = Partial<Record<Exclude<WorkOutcome, 'idle'>, number>>;

/**
 * The merge queue: validates and stores change requests, and runs workers that apply, check and
 * land them on the target branch without ever breaking it.
 *
 * @example
 * const queue = new MergeQueue({ store, repository, config, worktreesDirectory });
 * await queue.submit(changeRequest);
 * await queue.runWorkers({ mode: 'drain' });
 */
export class MergeQueue {
  /** Typed in-process events (every one is also a row in `change_queue_logs`). */
  readonly events = new EventEmitter<QueueEvents>();
  private readonly runtime: QueueRuntime;
  /** The pack consolidation running now (see {@link MergeQueue.keepPacksFew}), if any. */
  private packConsolidation: Promise<void> | undefined;

  constructor(options: MergeQueueOptions) {
    const logger = options.logger ?? silentLogger;
    this.runtime = {
      store: options.store,
      repository: options.repository,
      landing: options.landing ?? landingTargetFor(options.repository, options.config),
      config: options.config,
      checkRunner:
        options.checkRunner ??
        new ShellCheckRunner({
          environment: options.config.check_environment,
          secretNames: options.config.agent.secret_env,
        }),
      events: this.events,
      logger,
      worktreesDirectory: resolve(options.worktreesDirectory),
      dryRun: options.dryRun ?? options.config.apply.mode === 'dry-run',
      speculation:
        options.speculation ??
        storeSpeculationBoardFor(options.store, options.repository, options.config, logger),
      onConflicted: options.onConflicted,
      onQuarantined: options.onQuarantined,
    };
  }

  /** The configuration in force. */
  get config(): HyperionConfig {
    return this.runtime.config;
  }

  /**
   * The runner of this queue's checks (by default a {@link ShellCheckRunner} with the configured
   * `check_environment`): other checks run for this repository, such as a developer's assignment
   * checks, use it too, so they get the same minimal environment.
   */
  get checkRunner(): CheckRunner {
    return this.runtime.checkRunner;
  }

  /**
   * Validates a change request and stores it as a `queued` entry with its `entry:enqueued` event.
   * Invalid submissions throw a HyperionError naming the field, and nothing is stored. Besides
   * `prepareSubmission`'s rules, git itself must read each file change's patch as changing exactly
   * its declared path (`unsafe_path` otherwise, naming `changes[i].patch`).
   */
  async submit(
    change: ChangeRequest,
    context: Omit<SubmissionContext, 'config' | 'revertOf'> = {},
  ): Promise<QueueEntry> {
    const prepared = prepareSubmission(change, { ...context, config: this.runtime.config });
    await requirePathsAsGitReadsThem(this.runtime.repository.root, change);
    return this.enqueuePrepared(prepared);
  }

  /**
   * Like {@link submit}, inside a store transaction the caller holds (from `store.transaction`):
   * the entry is written through `transaction`, so it commits or rolls back with the caller's
   * other writes (a request's records and its entries, for example).
   */
  async submitInTransaction(
    transaction: StoreTransaction,
    change: ChangeRequest,
    context: Omit<SubmissionContext, 'config' | 'revertOf'> = {},
  ): Promise<QueueEntry> {
    const prepared = prepareSubmission(change, { ...context, config: this.runtime.config });
    await requirePathsAsGitReadsThem(this.runtime.repository.root, change);
    return this.announceEnqueued(await transaction.enqueue(prepared));
  }

  /**
   * Like {@link submit}, and also checks the patch against what the branch will hold when its turn
   * comes: the target tip plus the entries queued ahead of it on its files (SPEC §4). A patch that
   * applies only on top of them is stored as stacked on them (`depends_on`): it lands after them,
   * and conflicts with a report if one of them does not land. A patch that applies on neither is
   * refused (`patch_does_not_apply`) unless it names a base commit a 3-way merge can start from;
   * a base commit that is not in the repository is refused (`invalid_input`).
   */
  async submitChecked(
    change: ChangeRequest,
    context: Omit<SubmissionContext, 'config' | 'revertOf'> = {},
  ): Promise<QueueEntry> {
    const prepared = prepareSubmission(change, { ...context, config: this.runtime.config });
    const { repository, store } = this.runtime;
    if (prepared.base_commit !== null && (await repository.resolveRef(prepared.base_commit)) === undefined) {
      throw new HyperionError(
        'invalid_input',
        `base_commit: no commit ${prepared.base_commit} in ${repository.root}`,
        { details: { field: 'base_commit', base_commit: prepared.base_commit } },
      );
    }
    // A duplicate is refused as one (by the store, naming the existing change) before any check.
    if (await store.hasSubmission(prepared.id, prepared.task_id, prepared.patch_hash)) {
      return this.enqueuePrepared(prepared);
    }
    await requirePathsAsGitReadsThem(repository.root, change);
    const tip = await this.runtime.landing.tip(this.runtime.config.target_branch);
    const dependsOn = await checkStacking(store, repository, prepared, tip);
    return this.enqueuePrepared({ ...prepared, depends_on: dependsOn });
  }

  private announce(entry: QueueEntry): QueueEntry {
    if (entry.state !== 'queued') this.events.emit('entry:finished', { entry, worker: null });
    return entry;
  }

  private async enqueuePrepared(prepared: NewQueueEntry): Promise<QueueEntry> {
    return this.announceEnqueued(await this.runtime.store.enqueue(prepared));
  }

  private announceEnqueued(entry: QueueEntry): QueueEntry {
    this.events.emit('entry:enqueued', { entry });
    this.runtime.logger.info({ entry: entry.id, task: entry.task_id }, 'entry enqueued');
    return entry;
  }

  /** Lets an entry held by the risk policy go on (`awaiting_approval` → `queued`). */
  async approve(id: string, actor: Actor): Promise<QueueEntry> {
    return this.announce(await approveEntry(this.runtime.store, id, actor));
  }

  /** Refuses a waiting entry for good, with the reason. */
  async reject(id: string, actor: Actor & { note: string }): Promise<QueueEntry> {
    return this.announce(await rejectEntry(this.runtime.store, id, actor));
  }

  /** Withdraws an entry that has not started. */
  async cancel(id: string, actor: Actor): Promise<QueueEntry> {
    return this.announce(await cancelEntry(this.runtime.store, id, actor));
  }

  /** Moves a waiting entry ahead of the others (or to `priority`). */
  bump(id: string, actor: Actor & { priority?: number }): Promise<QueueEntry> {
    return bumpEntry(this.runtime.store, id, actor);
  }

  /**
   * Rolls back landed changes named by a change, task or request id: reverts of the landed
   * commits, newest first, go through the queue (with checks) ahead of other work. With
   * `dryRun` the plan is returned and nothing is enqueued.
   */
  async rollback(target: string, options: { by: string; dryRun?: boolean }): Promise<RollbackResult> {
    const plans = await planRollback(
      this.runtime.store,
      this.runtime.repository,
      target,
      this.runtime.landing,
    );
    if (options.dryRun === true) return { plans, enqueued: [], conflicted: [] };
    // The reverts and the conflicts of the entries stacked on what they undo commit together.
    const { enqueued, conflicted } = await this.runtime.store.transaction(async (transaction) => {
      const reverts: QueueEntry[] = [];
      for (const plan of plans) {
        const prepared = prepareSubmission(plan.change, {
          config: this.runtime.config,
          priority: ROLLBACK_PRIORITY,
          skipRiskPolicy: true,
          revertOf: plan.original.id,
          eventData: { source: 'rollback', rollback_of: plan.original.id, by: options.by },
        });
        reverts.push(await transaction.enqueue(prepared));
      }
      const dependents = await conflictDependentsOf(
        transaction,
        plans.map((plan) => plan.original),
        options.by,
      );
      return { enqueued: reverts, conflicted: dependents };
    });
    for (const entry of enqueued) this.announceEnqueued(entry);
    for (const entry of conflicted) this.events.emit('entry:finished', { entry, worker: null });
    return { plans, enqueued, conflicted };
  }

  /** Stops new leases in every worker process (in-flight entries finish). */
  pause(by: string): Promise<QueueControls> {
    return this.runtime.store.setQueueControls({ paused: true }, by);
  }

  /** Lets workers lease again (clears pause and drain). */
  resume(by: string): Promise<QueueControls> {
    return this.runtime.store.setQueueControls({ paused: false, draining: false }, by);
  }

  /** Finishes in-flight entries, then stops every worker loop; `resume` undoes it. */
  drain(by: string): Promise<QueueControls> {
    return this.runtime.store.setQueueControls({ draining: true }, by);
  }

  /** The queue's control flags. */
  controls(): Promise<QueueControls> {
    return this.runtime.store.queueControls();
  }

  /** Entries in queue order. */
  list(filter: EntryFilter = {}): Promise<QueueEntry[]> {
    return this.runtime.store.listEntries(filter);
  }

  /** A new worker of this queue; ids name this host and process so stale worktrees can be reclaimed. */
  createWorker(id?: string): QueueWorker {
    workerSequence += 1;
    return new QueueWorker(
      this.runtime,
      id ?? `${hostname()}-${process.pid}-${workerSequence}-p${PROCESS_TOKEN}`,
    );
  }

  /**
   * True while some entry for the target branch is running (possibly in another process), or is
   * queued and will become runnable without a person (see `HyperionStore.hasPendingWork`).
   */
  hasPendingWork(): Promise<boolean> {
    return this.runtime.store.hasPendingWork(this.runtime.config.target_branch);
  }

  /**
   * Runs workers in this process (p-queue bounds the concurrency) until the mode says stop.
   * Stale worktrees of dead worker processes are reclaimed first.
   */
  async runWorkers(options: RunWorkersOptions): Promise<RunSummary> {
    // Workers run git many times: from here on git is started by the spawner process, not by a
    // fork of this (large) one. A short command never starts it.
    useGitSpawner();
    // A missing target branch is said at once (`branch_not_found`), never waited on in silence.
    await this.runtime.landing.tip(this.runtime.config.target_branch);
    await this.reclaimStaleWorktrees();
    const summary: RunSummary = {};
    const count = (outcome: WorkOutcome): void => {
      if (outcome !== 'idle') summary[outcome] = (summary[outcome] ?? 0) + 1;
    };
    const workerCount = options.mode === 'once' ? 1 : (options.workers ?? this.runtime.config.workers);
    const workers = Array.from({ length: workerCount }, () => this.createWorker());
    const pool = new PQueue({ concurrency: workerCount });
    const loop = async (worker: QueueWorker): Promise<void> => {
      while (options.signal?.aborted !== true) {
        const outcomes = await worker.processNextCandidate();
        outcomes.forEach(count);
        if (outcomes.includes('landed')) this.keepPacksFew();
        if (options.mode === 'once') return;
        if (outcomes.some((outcome) => outcome !== 'idle')) continue;
        if ((await this.runtime.store.queueControls()).draining) return;
        if (options.mode === 'drain' && !(await this.hasPendingWork())) return;
        // Idle: wake when the queue changes (here or in another process), at the latest after poll_ms.
        await this.runtime.store.waitForChange(this.runtime.config.queue.poll_ms, options.signal);
      }
    };
    try {
      // Every loop ends before the worktrees go, even when one of them fails.
      const results = await Promise.allSettled(workers.map((worker) => pool.add(() => loop(worker))));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } finally {
      await this.packConsolidation;
      await Promise.all(workers.map((worker) => worker.dispose().catch(() => undefined)));
    }
    return summary;
  }

  /**
   * Every chain built in one go adds a small pack to the repository (see `Worktree.tryCommitChainOn`),
   * and nothing in the queue's plumbing runs `git gc --auto`: after a landing, the packs are counted
   * (one directory read) and, past git's `gc.autoPackLimit` default, the small ones are merged
   * (`consolidatePacks`), beside the workers rather than in their way, one consolidation at a time
   * per queue. `runWorkers` waits for it before it returns.
   */
  private keepPacksFew(): void {
    if (this.packConsolidation !== undefined) return;
    const { repository, logger } = this.runtime;
    this.packConsolidation = consolidatePacks(repository.gitDirectory)
      .then((result) => {
        if (result.repacked) {
          logger.info(
            { packs_before: result.packsBefore, packs_after: result.packsAfter },
            'packs consolidated',
          );
        } else if (result.reason === 'repack_failed') {
          logger.warn(
            { packs: result.packsBefore },
            'git repack --geometric failed; packs were not consolidated',
          );
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this.packConsolidation = undefined;
      });
  }

  /**
   * Removes worker worktrees left behind by processes on this host that no longer run (for
   * example after a SIGKILL), and prunes git's worktree records.
   */
  async reclaimStaleWorktrees(): Promise<string[]> {
    const reclaimed: string[] = [];
    const host = hostname();
    for (const worktree of await this.runtime.repository.listWorktrees()) {
      if (resolve(dirname(worktree.path)) !== this.runtime.worktreesDirectory) continue;
      // A worker's worktree, or one of its probe worktrees (`…-probe`, `…-probe2`, …).
      const match = /^(.*)-(\d+)-(\d+)(?:-p[0-9a-f]+)?(?:-probe\d*)?$/.exec(basename(worktree.path));
      if (match === null || match[1] !== host || isProcessAlive(Number(match[2]))) continue;
      await this.runtime.repository.removeWorktree(worktree.path);
      reclaimed.push(worktree.path);
      this.runtime.logger.info({ worktree: worktree.path }, 'reclaimed a stale worktree');
    }
    return reclaimed;
  }
}
