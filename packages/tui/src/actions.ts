/**
 * What the dashboard can do to the queue. `@hyperion/tui` may read the store but does not depend
 * on the queue, so whoever starts the dashboard (the CLI) injects these, built on the queue's own
 * human actions. Each one records `actor` as who did it; each rejects with the error to show.
 */
export interface DashboardActions {
  /** Who the actions are recorded as done by (HYPERION_USER or the OS user). */
  actor: string;
  /** Lets an entry awaiting approval go on. */
  approve(id: string): Promise<void>;
  /** Refuses an entry awaiting approval (or queued) for good, with the reason the person typed. */
  reject(id: string, reason: string): Promise<void>;
  /** Sends a quarantined or conflicted entry back to the queue. */
  retry(id: string): Promise<void>;
  /** Pauses the queue (no new leases) or resumes it. */
  setPaused(paused: boolean): Promise<void>;
}
