/**
 * WAL checkpoints off the commit path.
 *
 * SQLite's default copies the WAL into the database file (with an fsync of that file) inside
 * whichever commit takes the WAL past 1,000 pages: that commit pays for every commit before it,
 * and with a queue's commits of about ten pages it happens every ~100 commits (the lease p99).
 * The store instead raises that threshold to {@link WAL_AUTOCHECKPOINT_PAGES} and, a short while
 * after each write ({@link CHECKPOINT_DELAY_MS}, from an unref'd timer, so only when the process
 * gets back to its event loop, between a worker's commits), runs a `PASSIVE` checkpoint, which
 * never waits for another connection's lock and never holds up a writer.
 *
 * The WAL stays bounded: a process that writes without ever returning to its event loop still
 * hits SQLite's own checkpoint at {@link WAL_AUTOCHECKPOINT_PAGES} pages (40 MiB with 4 KiB
 * pages, plus the transaction that crossed it), as before, only rarer; and after a checkpoint the
 * WAL file is cut back to {@link WAL_SIZE_LIMIT_BYTES}. As with any WAL database, a reader that
 * holds an old snapshot for a long time keeps a checkpoint from reaching the end of the WAL.
 * `synchronous=FULL` is untouched: every commit is still fsynced to the WAL before it returns.
 */

/** `PRAGMA wal_autocheckpoint`: the WAL size (pages) at which a commit checkpoints by itself. */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** `PRAGMA journal_size_limit`: what the WAL file is cut back to after a checkpoint resets it. */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** How long after a write the passive checkpoint runs (writes in between share it). */
export const CHECKPOINT_DELAY_MS = 100;

/** Schedules one passive checkpoint after writes; see the module comment. */
export class WalCheckpointer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /**
   * @param checkpoint Runs `PRAGMA wal_checkpoint(PASSIVE)`; returns false when it could not run
   *   now (the connection is inside a transaction), to be tried again after another delay.
   * @param delayMs How long after a write it runs.
   */
  constructor(
    private readonly checkpoint: () => boolean,
    private readonly delayMs = CHECKPOINT_DELAY_MS,
  ) {}

  /** Notes a write: a checkpoint runs `delayMs` from now unless one is already due. */
  wrote(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      let done: boolean;
      try {
        done = this.checkpoint();
      } catch {
        done = true; // a failing or closed connection: the next write schedules another
      }
      if (!done) this.wrote();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Cancels the pending checkpoint (the store is closing; SQLite checkpoints on close). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
