import { HyperionError, type QueueEntry } from '@hyperion/schema';
import type { LeaseKeeper } from './lease-keeper.js';
import { markRolledBack } from './rollback.js';
import { retryDelay, transitionEntry, type QueueRuntime } from './runtime.js';
import type { MergeStrategy } from './strategy/index.js';

/** What happened to one entry of a candidate. */
export type EntryOutcome =
  | 'landed'
  | 'already_landed'
  | 'retry_scheduled'
  | 'quarantined'
  | 'conflicted'
  | 'held'
  | 'returned'
  | 'dry-run-passed'
  | 'dry-run-failed'
  | 'lease_lost';

type TransitionType = Parameters<typeof transitionEntry>[2]['type'];
type TransitionSet = Parameters<typeof transitionEntry>[2]['set'];

/**
 * The transitions that end one worker's hold on the entries of a candidate: each moves an entry
 * out of `running` (the store checks the lease is still this worker's) and stops keeping its
 * lease. Each entry is found by id in exactly one state at every moment, whatever the worker
 * does between two of these transitions.
 */
export class EntryVerdicts {
  private readonly runtime: QueueRuntime;
  private readonly worker: string;
  private readonly leases: LeaseKeeper;
  private readonly strategy: MergeStrategy;
  /** Hooks to call once the candidate is settled (see {@link EntryVerdicts.runDeferredHooks}). */
  private readonly pendingHooks: Array<{
    entryId: string;
    hook: (entry: QueueEntry) => Promise<void>;
    failure: string;
  }> = [];

  constructor(runtime: QueueRuntime, worker: string, leases: LeaseKeeper, strategy: MergeStrategy) {
    this.runtime = runtime;
    this.worker = worker;
    this.leases = leases;
    this.strategy = strategy;
  }

  /** Moves `entry` out of `running` with an event, and stops keeping its lease. */
  async transition(
    entry: QueueEntry,
    to: QueueEntry['state'],
    type: TransitionType,
    extra: { data?: Record<string, unknown>; set?: TransitionSet },
  ): Promise<QueueEntry> {
    const moved = await transitionEntry(this.runtime, entry.id, {
      from: 'running',
      owner: this.worker,
      to,
      type,
      worker: this.worker,
      ...extra,
    });
    if (moved.state !== 'running') this.leases.release(entry.id);
    return moved;
  }

  /** The entry landed as `commit` (its own commit in the chain), by this worker. */
  async landed(entry: QueueEntry, commit: string, data: Record<string, unknown>): Promise<'landed'> {
    const landed = await this.transition(entry, 'landed', 'entry:landed', {
      data: { commit, attempt: entry.attempts, ...data },
      set: { landed_commit: commit, last_error: null },
    });
    await this.linkRollback(landed);
    this.runtime.events.emit('entry:landed', { entry: landed, worker: this.worker, commit });
    return 'landed';
  }

  /** The branch already carries the entry (an earlier attempt landed it): the store is brought in line. */
  async alreadyLanded(entry: QueueEntry, commit: string): Promise<'already_landed'> {
    const landed = await this.transition(entry, 'landed', 'entry:already_landed', {
      data: { commit, note: 'the target branch already carries this change; the store was brought in line' },
      set: { landed_commit: commit },
    });
    await this.linkRollback(landed);
    this.runtime.events.emit('entry:landed', { entry: landed, worker: this.worker, commit });
    return 'already_landed';
  }

  /** The entry's own failure: one attempt is charged; retried after a backoff, or quarantined. */
  async fail(
    entry: QueueEntry,
    reason: string,
    data: Record<string, unknown>,
  ): Promise<'retry_scheduled' | 'quarantined'> {
    if (entry.attempts >= entry.max_attempts) {
      await this.finishWith(
        entry,
        'quarantined',
        'entry:quarantined',
        `${reason} (attempt ${entry.attempts} of ${entry.max_attempts})`,
        data,
      );
      return 'quarantined';
    }
    const delay = retryDelay(this.runtime.config, entry.attempts);
    const retried = await this.transition(entry, 'queued', 'entry:retry_scheduled', {
      data: { reason, attempt: entry.attempts, retry_in_ms: delay, ...data },
      set: { not_before: this.runtime.store.now() + delay, last_error: reason },
    });
    this.runtime.events.emit('entry:retry_scheduled', { entry: retried, worker: this.worker, reason });
    return 'retry_scheduled';
  }

  /** The entry's own checks failed: charged like {@link fail}, and the strategy learns it. */
  async checksFailed(
    entry: QueueEntry,
    reason: string,
    data: Record<string, unknown>,
  ): Promise<'retry_scheduled' | 'quarantined'> {
    this.strategy.record(['failed']);
    return this.fail(entry, reason, data);
  }

  /** The landing was held (a hook or the remote refused it for now): queued again, uncharged. */
  async held(entry: QueueEntry, reason: string, worktreePath: string | undefined): Promise<'held'> {
    const delay = retryDelay(this.runtime.config, entry.attempts);
    const held = await this.transition(entry, 'queued', 'entry:landing_held', {
      data: { reason, worktree: worktreePath, retry_in_ms: delay },
      set: {
        attempts: entry.attempts - 1,
        not_before: this.runtime.store.now() + delay,
        last_error: reason,
      },
    });
    this.runtime.events.emit('entry:retry_scheduled', { entry: held, worker: this.worker, reason });
    return 'held';
  }

  /**
   * Hands an entry of a split batch back to the queue uncharged (`entry:batch_returned`): another
   * entry of the batch was the culprit, or the entry should go alone. It is runnable at once.
   */
  async returnFromBatch(
    entry: QueueEntry,
    reason: string,
    data: Record<string, unknown>,
  ): Promise<'returned'> {
    await this.transition(entry, 'queued', 'entry:batch_returned', {
      data: { reason, attempt: entry.attempts, ...data },
      set: { attempts: Math.max(0, entry.attempts - 1), last_error: reason },
    });
    return 'returned';
  }

  /** Returns the lease without charging an attempt (the cause was not the change). */
  async giveBack(entry: QueueEntry, reason: string): Promise<void> {
    try {
      await this.transition(entry, 'queued', 'entry:lease_returned', {
        data: { reason, attempt: entry.attempts },
        set: { attempts: Math.max(0, entry.attempts - 1), last_error: reason },
      });
    } catch (error) {
      // Lost, or the store cannot take the write: the lease then expires, which gives it back too.
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.warn(
        { entry: entry.id, worker: this.worker, error: message },
        'could not hand back',
      );
      this.leases.release(entry.id);
    }
  }

  /** Ends the entry in a final state with `reason` as its last error. */
  async finishWith(
    entry: QueueEntry,
    state: 'quarantined' | 'conflicted' | 'dry-run-passed' | 'dry-run-failed',
    type: 'entry:quarantined' | 'entry:conflicted' | 'entry:dry_run_finished',
    reason: string | null,
    data: Record<string, unknown>,
  ): Promise<void> {
    const finished = await this.transition(entry, state, type, {
      data: { reason, ...data },
      set: { last_error: reason },
    });
    this.runtime.events.emit('entry:finished', { entry: finished, worker: this.worker });
    if (state === 'quarantined') this.deferHook(entry, this.runtime.onQuarantined, 'quarantine hook failed');
  }

  /**
   * Calls the conflict hook (re-dispatch to a developer) once the candidate is settled (see
   * {@link EntryVerdicts.runDeferredHooks}).
   */
  afterConflict(entry: QueueEntry): void {
    this.deferHook(entry, this.runtime.onConflicted, 'conflict hook failed');
  }

  /**
   * Calls the hooks of the entries this candidate conflicted or quarantined, oldest first, each
   * with the entry as the store has it now; a failure is logged, not thrown. The worker calls it
   * once the whole candidate is settled, its leases and its board entries given up: a hook runs
   * agents (the conflict tiers), and nothing of the candidate waits for them meanwhile.
   */
  async runDeferredHooks(): Promise<void> {
    for (const pending of this.pendingHooks.splice(0)) {
      try {
        await pending.hook(await this.runtime.store.requireEntry(pending.entryId));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.runtime.logger.error(
          { entry: pending.entryId, worker: this.worker, error: message },
          pending.failure,
        );
      }
    }
  }

  private deferHook(
    entry: QueueEntry,
    hook: ((entry: QueueEntry) => Promise<void>) | undefined,
    failure: string,
  ): void {
    if (hook !== undefined) this.pendingHooks.push({ entryId: entry.id, hook, failure });
  }

  /** The `lease_lost` error for `entry`. */
  leaseLostError(entry: QueueEntry): HyperionError {
    return new HyperionError('lease_lost', `worker ${this.worker} lost its lease on ${entry.id}`, {
      details: { id: entry.id },
    });
  }

  /** After a revert landed, marks the original rolled back; a failure here must not undo the landing. */
  private async linkRollback(landed: QueueEntry): Promise<void> {
    try {
      await markRolledBack(this.runtime.store, landed, this.worker);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.error(
        { entry: landed.id, worker: this.worker, error: message },
        'could not mark the original rolled back',
      );
    }
  }
}
