import type { EventEmitter } from 'eventemitter3';
import type { HyperionConfig, QueueEntry } from '@hyperion/schema';
import type { GitRepository, LandingTarget } from '@hyperion/git';
import type { HyperionStore, QueueTransition } from '@hyperion/store';
import type { CheckRunner } from './check-runner.js';
import type { QueueEvents } from './events.js';
import type { SpeculationBoard } from './speculation.js';

/** A structured logger (pino-compatible subset). */
export interface QueueLogger {
  /** Logs detail for tracing. */
  debug(data: Record<string, unknown>, message: string): void;
  /** Logs a normal step. */
  info(data: Record<string, unknown>, message: string): void;
  /** Logs something unexpected the queue recovered from. */
  warn(data: Record<string, unknown>, message: string): void;
  /** Logs a failure. */
  error(data: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: QueueLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** What every worker of one queue shares. */
export interface QueueRuntime {
  store: HyperionStore;
  repository: GitRepository;
  /**
   * Where entries land: the target branch of `repository`, or of the config's `remote`. The
   * worker reads the tip, looks for an earlier landing and lands through it alone.
   */
  landing: LandingTarget;
  config: HyperionConfig;
  checkRunner: CheckRunner;
  events: EventEmitter<QueueEvents>;
  logger: QueueLogger;
  /** Where worker worktrees live. */
  worktreesDirectory: string;
  /** When true nothing is committed or landed: entries end as dry-run-passed / dry-run-failed. */
  dryRun: boolean;
  /** Candidates of this process's workers, for speculative stacking. */
  speculation: SpeculationBoard;
  /** Called after an entry became `conflicted` (re-dispatch to its developer, for example). */
  onConflicted: ((entry: QueueEntry) => Promise<void>) | undefined;
  /** Called after a worker quarantined an entry for its own failure (see `MergeQueueOptions`). */
  onQuarantined: ((entry: QueueEntry) => Promise<void>) | undefined;
}

/** Applies a store transition and emits the matching in-process event. */
export async function transitionEntry(
  runtime: QueueRuntime,
  id: string,
  transition: QueueTransition,
): Promise<QueueEntry> {
  const entry = await runtime.store.transition(id, transition);
  runtime.events.emit('event:recorded', {
    event: { entry_id: id, type: transition.type, data: transition.data ?? {} },
  });
  return entry;
}

/** Records a non-transition event and emits it in-process. */
export async function recordEntryEvent(
  runtime: QueueRuntime,
  id: string,
  type: QueueTransition['type'],
  data: Record<string, unknown>,
  worker: string | null,
): Promise<void> {
  await runtime.store.recordEvent(id, type, data, worker);
  runtime.events.emit('event:recorded', { event: { entry_id: id, type, data } });
}

/**
 * Records one non-transition event on each of `ids` (`data` the same for all, or per entry) in
 * one store transaction, then emits them in-process: a batch's events cost one commit, not one
 * per entry.
 */
export async function recordEntryEvents(
  runtime: QueueRuntime,
  ids: readonly string[],
  type: QueueTransition['type'],
  data: Record<string, unknown> | ((id: string, index: number) => Record<string, unknown>),
  worker: string | null,
): Promise<void> {
  const dataOf = typeof data === 'function' ? data : () => data;
  if (ids.length === 1) {
    await recordEntryEvent(runtime, ids[0]!, type, dataOf(ids[0]!, 0), worker);
    return;
  }
  if (ids.length === 0) return;
  const recorded = ids.map((id, index) => ({ id, data: dataOf(id, index) }));
  await runtime.store.transaction(async (transaction) => {
    for (const { id, data: eventData } of recorded)
      await transaction.recordEvent(id, type, eventData, worker);
  });
  for (const { id, data: eventData } of recorded) {
    runtime.events.emit('event:recorded', { event: { entry_id: id, type, data: eventData } });
  }
}

/** One non-transition event to record, for {@link recordEventsTogether}. */
export interface PendingEntryEvent {
  id: string;
  type: QueueTransition['type'];
  data: Record<string, unknown>;
}

/**
 * Records `events` (in order, each on its own entry) in one store transaction, then emits them
 * in-process: the events of one build (each entry's `entry:applied`, then `entry:committed` and
 * `batch:formed`) cost one commit together instead of one each.
 */
export async function recordEventsTogether(
  runtime: QueueRuntime,
  events: readonly PendingEntryEvent[],
  worker: string | null,
): Promise<void> {
  if (events.length === 0) return;
  if (events.length === 1) {
    const [only] = events;
    await recordEntryEvent(runtime, only!.id, only!.type, only!.data, worker);
    return;
  }
  await runtime.store.transaction(async (transaction) => {
    for (const event of events) await transaction.recordEvent(event.id, event.type, event.data, worker);
  });
  for (const event of events) {
    runtime.events.emit('event:recorded', {
      event: { entry_id: event.id, type: event.type, data: event.data },
    });
  }
}

/** Capped exponential backoff for attempt `attempt` (1-based). */
export function retryDelay(config: HyperionConfig, attempt: number): number {
  const delay = config.queue.backoff_base_ms * 2 ** Math.max(0, attempt - 1);
  return Math.min(delay, config.queue.backoff_max_ms);
}
