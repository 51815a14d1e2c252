import type { QueueEntry } from '@hyperion/schema';
import type { QueueRuntime } from './runtime.js';

/**
 * Keeps the leases of the entries one worker holds for one candidate (one entry or a batch):
 * a heartbeat renews each lease every `queue.heartbeat_ms`. A renewal that finds a lease gone,
 * cannot reach the store, or is still pending when the lease it renews would have run out (a
 * hung connection) aborts {@link signal}: the candidate carries every entry's commit, so it must
 * not go on once one of its leases is lost. One renewal round at a time: a slow store does not
 * pile them up.
 */
export class LeaseKeeper {
  private readonly runtime: QueueRuntime;
  private readonly owner: string;
  private readonly held = new Map<string, QueueEntry>();
  private readonly lost = new AbortController();
  private readonly lostIds = new Set<string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private renewing = false;
  private heldSince = Date.now();
  /** When each held lease was last taken or renewed (this process's clock). */
  private readonly renewedAt = new Map<string, number>();

  constructor(runtime: QueueRuntime, owner: string) {
    this.runtime = runtime;
    this.owner = owner;
    this.timer = setInterval(() => this.beat(), runtime.config.queue.heartbeat_ms);
  }

  /** Aborts once any held lease is lost. */
  get signal(): AbortSignal {
    return this.lost.signal;
  }

  /** The entries whose leases are kept, in the order they were leased. */
  get entries(): QueueEntry[] {
    return [...this.held.values()];
  }

  /**
   * True when the lease of the entry with `id` may be lost: its renewal found it gone, or a
   * renewal hung or failed (then every held lease counts as lost).
   */
  mayHaveLost(id: string): boolean {
    return this.lostIds.has(id);
  }

  /** Starts keeping the lease of `entry` (just leased by the owner). */
  keep(entry: QueueEntry): void {
    this.held.set(entry.id, entry);
    this.renewedAt.set(entry.id, Date.now());
  }

  /** Stops keeping the lease of the entry with `id` (it left `running`). */
  release(id: string): void {
    this.held.delete(id);
    this.renewedAt.delete(id);
  }

  /** Renews every held lease now; false (and {@link signal} aborted) when one is lost. */
  async renewAll(): Promise<boolean> {
    if (this.lost.signal.aborted) return false;
    const { store, config } = this.runtime;
    for (const entry of this.entries) {
      // An entry the worker finished while this round ran (landed, failed, handed back) is no
      // longer held: its lease is gone on purpose, which is no loss.
      if (!this.held.has(entry.id)) continue;
      const started = Date.now();
      const renewed = await store.renewLease(entry.id, this.owner, config.queue.lease_ms);
      if (!this.held.has(entry.id)) continue;
      if (!renewed) {
        this.lostIds.add(entry.id);
        this.lost.abort();
        return false;
      }
      this.renewedAt.set(entry.id, started);
    }
    return true;
  }

  /**
   * Like {@link renewAll}, but only when some held lease was last taken or renewed more than half
   * a lease ago: a worker about to land then knows every lease has at least half its time left,
   * without a store write per entry on every landing. (A lease lost all the same cannot make a
   * change land twice: the compare-and-swap and the landing proof on the branch see to that.)
   */
  async renewAllIfDue(): Promise<boolean> {
    if (this.lost.signal.aborted) return false;
    const dueBefore = Date.now() - this.runtime.config.queue.lease_ms / 2;
    for (const id of this.held.keys()) {
      if ((this.renewedAt.get(id) ?? 0) < dueBefore) return this.renewAll();
    }
    return true;
  }

  /** Stops the heartbeat. */
  stop(): void {
    clearInterval(this.timer);
  }

  private loseAll(): void {
    for (const id of this.held.keys()) this.lostIds.add(id);
    this.lost.abort();
  }

  private beat(): void {
    const { config, logger } = this.runtime;
    if (this.lost.signal.aborted) return;
    if (this.renewing) {
      if (Date.now() - this.heldSince >= config.queue.lease_ms) {
        logger.warn({ worker: this.owner }, 'lease renewal hung; giving up');
        this.loseAll();
      }
      return;
    }
    this.renewing = true;
    const started = Date.now();
    this.renewAll()
      .then(
        (held) => {
          if (held) this.heldSince = started;
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          logger.warn({ worker: this.owner, error: message }, 'lease renewal failed');
          this.loseAll();
        },
      )
      .finally(() => {
        this.renewing = false;
      });
  }
}
