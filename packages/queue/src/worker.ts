import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HyperionError, type QueueEntry } from '@hyperion/schema';
import type { LandCommitResult, Worktree } from '@hyperion/git';
import { applyEntry, dependencyConflictReport } from './apply-entry.js';
import { commitEntry, landingProof } from './commit-message.js';
import { faultPoint } from './fault-points.js';
import { runEntryChecks } from './run-entry-checks.js';
import { markRolledBack, rolledBackChangeId, ROLLBACK_TASK_PREFIX } from './rollback.js';
import { recordEntryEvent, retryDelay, transitionEntry, type QueueRuntime } from './runtime.js';

/** What one {@link QueueWorker.processNext} call did. */
export type WorkOutcome =
  | 'idle'
  | 'landed'
  | 'already_landed'
  | 'retry_scheduled'
  | 'quarantined'
  | 'conflicted'
  | 'held'
  | 'dry-run-passed'
  | 'dry-run-failed'
  | 'lease_lost';

/** Errors that are the repository's or the store's problem: the entry is handed back uncharged. */
const REPOSITORY_PROBLEMS: ReadonlySet<string> = new Set([
  'branch_not_found',
  'remote_unavailable',
  'permission_denied',
  'store_missing',
  'store_corrupt',
  'store_unreachable',
]);

/** A candidate built and published, or the entry finished while building (conflict, rejection, dry run). */
type BuildResult =
  | { kind: 'built'; base: string; tip: string; commit: string; worktree: Worktree }
  | { kind: 'finished'; outcome: WorkOutcome };

/** How many lost compare-and-swap races one attempt tolerates before it gives the lease back. */
const MAX_RACES_PER_ATTEMPT = 20;

/**
 * One merge-queue worker with its own git worktree. Each {@link processNext} leases one entry,
 * resets the worktree to the target tip, applies the patch, commits with trailers, runs the checks
 * on that exact commit and lands it by compare-and-swap; a lost race starts over on the new tip.
 */
export class QueueWorker {
  /** The worker's id (lease owner, worktree name). */
  readonly id: string;
  private readonly runtime: QueueRuntime;
  private worktree: Worktree | undefined;

  constructor(runtime: QueueRuntime, id: string) {
    this.runtime = runtime;
    this.id = id;
  }

  /** The worktree directory of this worker. */
  get worktreePath(): string {
    return join(this.runtime.worktreesDirectory, this.id);
  }

  /** Leases and processes at most one entry. */
  async processNext(): Promise<WorkOutcome> {
    const { store, config, events, landing } = this.runtime;
    // A missing target branch is the repository's problem, not any entry's: nothing is leased.
    await landing.requireKnownTip(config.target_branch);
    const entry = await store.leaseNext(this.id, config.queue.lease_ms, config.target_branch);
    if (entry === undefined) {
      events.emit('worker:idle', { worker: this.id });
      return 'idle';
    }
    events.emit('entry:leased', { entry, worker: this.id });
    const leaseLost = new AbortController();
    // The heartbeat renews the lease; a renewal that finds the lease gone (or cannot reach the
    // store) aborts the attempt. One renewal at a time: a slow store does not pile them up. A
    // renewal still pending when the lease it renews would have run out (a hung connection) also
    // aborts: the lease is then as good as lost, and the attempt must not go on without one.
    let renewing = false;
    let heldSince = Date.now();
    const heartbeat = setInterval(() => {
      if (leaseLost.signal.aborted) return;
      if (renewing) {
        if (Date.now() - heldSince >= config.queue.lease_ms) {
          this.runtime.logger.warn({ entry: entry.id, worker: this.id }, 'lease renewal hung; giving up');
          leaseLost.abort();
        }
        return;
      }
      renewing = true;
      const started = Date.now();
      store
        .renewLease(entry.id, this.id, config.queue.lease_ms)
        .then(
          (held) => {
            if (held) heldSince = started;
            else leaseLost.abort();
          },
          (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            this.runtime.logger.warn(
              { entry: entry.id, worker: this.id, error: message },
              'lease renewal failed',
            );
            leaseLost.abort();
          },
        )
        .finally(() => {
          renewing = false;
        });
    }, config.queue.heartbeat_ms);
    try {
      return await this.attempt(entry, leaseLost.signal);
    } catch (error) {
      if (HyperionError.isInstance(error) && error.code === 'lease_lost') {
        this.runtime.logger.warn({ entry: entry.id, worker: this.id }, error.message);
        return 'lease_lost';
      }
      if (HyperionError.isInstance(error) && REPOSITORY_PROBLEMS.has(error.code)) {
        // The branch went away, the remote does not answer, or the repository or store cannot be
        // written: not the change's fault. Hand the entry back uncharged and stop this worker with
        // the error; the next attempt first reads the tip, so a push that did land is found there.
        await this.giveBack(entry, error.message);
        throw error;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.error({ entry: entry.id, worker: this.id, error: message }, 'attempt failed');
      try {
        return await this.fail(entry, `unexpected error: ${message}`, {});
      } catch (failure) {
        // The lease went to another worker meanwhile: the entry is that worker's now.
        if (HyperionError.isInstance(failure) && failure.code === 'lease_lost') return 'lease_lost';
        throw failure;
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Removes this worker's worktree. */
  async dispose(): Promise<void> {
    if (this.worktree === undefined) return;
    await this.runtime.repository.removeWorktree(this.worktree.path);
    this.worktree = undefined;
  }

  private async attempt(entry: QueueEntry, leaseLost: AbortSignal): Promise<WorkOutcome> {
    const { landing } = this.runtime;
    for (let race = 0; race < MAX_RACES_PER_ATTEMPT; race += 1) {
      const tip = await landing.tip(entry.target_branch);
      const landedAs = await landing.findLandedChange(entry.target_branch, landingProof(entry));
      if (landedAs !== undefined) {
        const landed = await this.transition(entry, 'landed', 'entry:already_landed', {
          data: {
            commit: landedAs,
            note: 'the target branch already carries this change; the store was brought in line',
          },
          set: { landed_commit: landedAs },
        });
        await this.linkRollback(landed);
        this.runtime.events.emit('entry:landed', { entry: landed, worker: this.id, commit: landedAs });
        return 'already_landed';
      }
      if (entry.lease_expiries >= this.runtime.config.queue.max_lease_expiries) {
        return this.stopCrashingEntry(entry);
      }
      const unlanded = await this.unlandedDependencies(entry);
      if (unlanded.length > 0) return this.conflictOnDependencies(entry, unlanded, tip);
      const built = await this.buildInTurn(entry, leaseLost);
      if (built.kind === 'finished') return built.outcome;
      const { base, tip: builtOn, commit } = built;
      try {
        await faultPoint('before-checks', entry.id);
        const checks = await runEntryChecks(this.runtime, entry, built.worktree.path, this.id, leaseLost);
        if (leaseLost.aborted) throw this.leaseLostError(entry);
        if (!checks.passed) {
          // On a speculative base the failure may be the predecessor's: wait for its verdict.
          if (base !== builtOn && (await this.settledTip(entry, base, leaseLost)) !== base) {
            await recordEntryEvent(
              this.runtime,
              entry.id,
              'entry:race_lost',
              {
                expected_tip: base,
                note: 'the speculative base did not land; rebuilding on the tip',
                race: race + 1,
              },
              this.id,
            );
            continue;
          }
          return await this.fail(entry, checks.reason, { check: checks.failed, commit });
        }
        const landing = await this.landWhenReady(entry, commit, base, leaseLost);
        if (landing.status === 'landed') {
          await faultPoint('after-ref-update', entry.id);
          const landed = await this.transition(entry, 'landed', 'entry:landed', {
            data: { commit, parent: base, attempt: entry.attempts },
            set: { landed_commit: commit, last_error: null },
          });
          await this.linkRollback(landed);
          this.runtime.events.emit('entry:landed', { entry: landed, worker: this.id, commit });
          return 'landed';
        }
        if (landing.status === 'held') {
          const delay = retryDelay(this.runtime.config, entry.attempts);
          const held = await this.transition(entry, 'queued', 'entry:landing_held', {
            data: { reason: landing.reason, worktree: landing.worktreePath, retry_in_ms: delay },
            set: {
              attempts: entry.attempts - 1,
              not_before: this.runtime.store.now() + delay,
              last_error: landing.reason,
            },
          });
          this.runtime.events.emit('entry:retry_scheduled', {
            entry: held,
            worker: this.id,
            reason: landing.reason,
          });
          return 'held';
        }
        await recordEntryEvent(
          this.runtime,
          entry.id,
          'entry:race_lost',
          { expected_tip: base, current_tip: landing.currentTip ?? null, race: race + 1 },
          this.id,
        );
      } finally {
        await this.runtime.speculation.withdraw(commit);
      }
    }
    return this.fail(entry, `lost ${MAX_RACES_PER_ATTEMPT} landing races in a row`, {});
  }

  /**
   * Builds this entry's candidate in the speculation board's build turn: reads the tip, picks the
   * head of the candidates in flight on it as the base (the tip itself when the patch does not
   * apply there), applies, commits and publishes the candidate, then ends the turn. A conflict,
   * a rejection or a dry run finishes the entry here (after the turn, so a conflict hook that
   * re-dispatches a developer holds no other worker up).
   */
  private async buildInTurn(entry: QueueEntry, leaseLost: AbortSignal): Promise<BuildResult> {
    const { landing, dryRun, speculation } = this.runtime;
    const endTurn = dryRun
      ? async () => undefined
      : await speculation.takeBuildTurn(this.id, leaseLost).catch((error: unknown) => {
          throw leaseLost.aborted ? this.leaseLostError(entry) : error;
        });
    let applied: Awaited<ReturnType<typeof applyEntry>>;
    let tip: string;
    let base: string;
    let worktree: Worktree;
    try {
      if (leaseLost.aborted) throw this.leaseLostError(entry);
      // Read the tip inside the turn: waiting for it may have taken a while.
      tip = await landing.tip(entry.target_branch);
      base = dryRun ? tip : await speculation.baseFor(tip, [entry.id]);
      worktree = await this.prepareWorktree(base);
      applied = await applyEntry(this.runtime, entry, worktree, base, this.id);
      if (applied.outcome !== 'applied' && base !== tip) {
        base = tip;
        worktree = await this.prepareWorktree(tip);
        applied = await applyEntry(this.runtime, entry, worktree, tip, this.id);
      }
      if (applied.outcome === 'applied' && !dryRun) {
        await faultPoint('after-apply', entry.id);
        const commit = await commitEntry(worktree, entry);
        await recordEntryEvent(
          this.runtime,
          entry.id,
          'entry:committed',
          { commit, parent: base, speculative: base !== tip },
          this.id,
        );
        await speculation.publish({ commit, parent: base, entryIds: [entry.id], owner: this.id });
        return { kind: 'built', base, tip, commit, worktree };
      }
    } finally {
      await endTurn();
    }
    if (applied.outcome === 'conflicted') {
      const revertOf = rolledBackChangeId(entry);
      if (revertOf !== undefined) {
        const reason = `the revert of ${revertOf} conflicts with changes that landed after it; it was not forced (${applied.reason})`;
        await this.finishWith(entry, 'quarantined', 'entry:quarantined', reason, { report: applied.report });
        return { kind: 'finished', outcome: 'quarantined' };
      }
      await this.finishWith(entry, 'conflicted', 'entry:conflicted', applied.reason, {
        report: applied.report,
      });
      await this.afterConflict(entry);
      return { kind: 'finished', outcome: 'conflicted' };
    }
    if (applied.outcome === 'rejected') {
      await this.finishWith(entry, 'quarantined', 'entry:quarantined', applied.reason, applied.data);
      return { kind: 'finished', outcome: 'quarantined' };
    }
    await faultPoint('after-apply', entry.id);
    return { kind: 'finished', outcome: await this.finishDryRun(entry, worktree, leaseLost, tip) };
  }

  /**
   * Lands `commit` once the branch tip is the commit it was built on. While that base is another
   * worker's candidate still in flight, waits for it; once the base is neither the tip nor in
   * flight, the race is lost and the caller rebuilds on the new tip.
   */
  private async afterConflict(entry: QueueEntry): Promise<void> {
    const hook = this.runtime.onConflicted;
    if (hook === undefined) return;
    try {
      await hook(await this.runtime.store.requireEntry(entry.id));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.error({ entry: entry.id, worker: this.id, error: message }, 'conflict hook failed');
    }
  }

  /** After a revert landed, marks the original rolled back; a failure here must not undo the landing. */
  private async linkRollback(landed: QueueEntry): Promise<void> {
    try {
      await markRolledBack(this.runtime.store, landed, this.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.error(
        { entry: landed.id, worker: this.id, error: message },
        'could not mark the original rolled back',
      );
    }
  }

  /** Waits until `base` is no longer another worker's candidate in flight; returns the tip then. */
  private async settledTip(
    entry: QueueEntry,
    base: string,
    leaseLost: AbortSignal,
  ): Promise<string | undefined> {
    const { landing, speculation, config } = this.runtime;
    while (await speculation.isCandidate(base)) {
      if (leaseLost.aborted) throw this.leaseLostError(entry);
      await speculation.waitForChange(config.queue.poll_ms, leaseLost);
    }
    return landing.knownTip(entry.target_branch);
  }

  private async landWhenReady(
    entry: QueueEntry,
    commit: string,
    base: string,
    leaseLost: AbortSignal,
  ): Promise<LandCommitResult> {
    const { landing, speculation, store, config } = this.runtime;
    for (;;) {
      if (leaseLost.aborted || !(await store.renewLease(entry.id, this.id, config.queue.lease_ms))) {
        throw this.leaseLostError(entry);
      }
      // Read whether the base is in flight before reading the tip: a predecessor that lands in
      // between is then seen as the tip, not mistaken for a lost race.
      const baseInFlight = await speculation.isCandidate(base);
      const current = await landing.knownTip(entry.target_branch);
      if (current === base) return landing.land(entry.target_branch, commit, base);
      if (!baseInFlight) return { status: 'race_lost', currentTip: current };
      await speculation.waitForChange(config.queue.poll_ms, leaseLost);
    }
  }

  private async finishDryRun(
    entry: QueueEntry,
    worktree: Worktree,
    leaseLost: AbortSignal,
    tip: string,
  ): Promise<WorkOutcome> {
    const checks = await runEntryChecks(this.runtime, entry, worktree.path, this.id, leaseLost);
    if (leaseLost.aborted) throw this.leaseLostError(entry);
    const state = checks.passed ? 'dry-run-passed' : 'dry-run-failed';
    await this.finishWith(entry, state, 'entry:dry_run_finished', checks.passed ? null : checks.reason, {
      tip,
      check: checks.failed ?? null,
    });
    return state;
  }

  private async prepareWorktree(tip: string): Promise<Worktree> {
    this.worktree ??= await this.openWorktree(tip);
    await this.worktree.resetTo(tip);
    return this.worktree;
  }

  /**
   * This worker's worktree. Its path is this worker's alone, so a directory there that git cannot
   * use (left half-made by a killed `git worktree add`) is deleted and the worktree made afresh.
   */
  private async openWorktree(commit: string): Promise<Worktree> {
    const { repository } = this.runtime;
    try {
      return await repository.ensureWorktree(this.worktreePath, commit);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.warn({ worker: this.id, error: message }, 'recreating an unusable worktree');
      await repository.removeWorktree(this.worktreePath).catch(() => undefined);
      await rm(this.worktreePath, { recursive: true, force: true });
      return repository.addWorktree(this.worktreePath, commit);
    }
  }

  private async fail(entry: QueueEntry, reason: string, data: Record<string, unknown>): Promise<WorkOutcome> {
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
    this.runtime.events.emit('entry:retry_scheduled', { entry: retried, worker: this.id, reason });
    return 'retry_scheduled';
  }

  /**
   * An entry whose attempts ended with its worker dying `queue.max_lease_expiries` times (and that
   * is not on the branch): it may be what kills its workers, so it is stopped with that reason.
   */
  private async stopCrashingEntry(entry: QueueEntry): Promise<WorkOutcome> {
    const limit = this.runtime.config.queue.max_lease_expiries;
    const reason = `stopped after ${entry.lease_expiries} attempts ended with the worker dying or hanging (lease expired; queue.max_lease_expiries is ${limit}): the change may crash its worker; last: ${entry.last_error ?? 'unknown'}`;
    await this.finishWith(entry, 'quarantined', 'entry:quarantined', reason, {
      lease_expiries: entry.lease_expiries,
    });
    return 'quarantined';
  }

  /**
   * The entries this one was stacked on that finished without landing, or that landed and are
   * being rolled back (their revert is waiting or running): this entry must not land on them.
   */
  private async unlandedDependencies(entry: QueueEntry): Promise<QueueEntry[]> {
    const { store } = this.runtime;
    const beingRolledBack = async (dependency: QueueEntry): Promise<boolean> =>
      (
        await store.listEntries({
          taskId: `${ROLLBACK_TASK_PREFIX}${dependency.id}`,
          states: ['awaiting_approval', 'queued', 'running'],
          limit: 1,
        })
      ).length > 0;
    const unlanded: QueueEntry[] = [];
    for (const id of entry.depends_on) {
      const dependency = await store.getEntry(id);
      if (dependency === undefined) continue;
      if (dependency.state !== 'landed' || (await beingRolledBack(dependency))) unlanded.push(dependency);
    }
    return unlanded;
  }

  /**
   * A stacked entry whose predecessor did not land: its patch was checked on top of that
   * predecessor, so it is not applied blindly without it; it conflicts with a report naming why.
   */
  private async conflictOnDependencies(
    entry: QueueEntry,
    unlanded: QueueEntry[],
    tip: string,
  ): Promise<WorkOutcome> {
    const named = unlanded
      .map(
        (dependency) =>
          `${dependency.id} (${dependency.state === 'landed' ? 'being rolled back' : dependency.state})`,
      )
      .join(', ');
    const reason = `stacked on ${named}, which will not stay on the branch; this patch was made on top of it and is not applied without it`;
    await this.finishWith(entry, 'conflicted', 'entry:conflicted', reason, {
      report: dependencyConflictReport(entry, unlanded, tip),
    });
    await this.afterConflict(entry);
    return 'conflicted';
  }

  /** Returns the lease without charging an attempt (the cause was not the change). */
  private async giveBack(entry: QueueEntry, reason: string): Promise<void> {
    try {
      await this.transition(entry, 'queued', 'entry:lease_returned', {
        data: { reason, attempt: entry.attempts },
        set: { attempts: Math.max(0, entry.attempts - 1), last_error: reason },
      });
    } catch (error) {
      // Lost, or the store cannot take the write: the lease then expires, which gives it back too.
      const message = error instanceof Error ? error.message : String(error);
      this.runtime.logger.warn({ entry: entry.id, worker: this.id, error: message }, 'could not hand back');
    }
  }

  private async finishWith(
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
    this.runtime.events.emit('entry:finished', { entry: finished, worker: this.id });
  }

  private transition(
    entry: QueueEntry,
    to: QueueEntry['state'],
    type: Parameters<typeof transitionEntry>[2]['type'],
    extra: { data?: Record<string, unknown>; set?: Parameters<typeof transitionEntry>[2]['set'] },
  ): Promise<QueueEntry> {
    return transitionEntry(this.runtime, entry.id, {
      from: 'running',
      owner: this.id,
      to,
      type,
      worker: this.id,
      ...extra,
    });
  }

  private leaseLostError(entry: QueueEntry): HyperionError {
    return new HyperionError('lease_lost', `worker ${this.id} lost its lease on ${entry.id}`, {
      details: { id: entry.id },
    });
  }
}
