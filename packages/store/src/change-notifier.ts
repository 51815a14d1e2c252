/**
 * Wakes the callers of {@link ChangeNotifier.wait} when {@link ChangeNotifier.notify} is called
 * (this process wrote) or when `changed()` reports a change made elsewhere (polled every
 * `pollMs` while someone waits).
 */
export class ChangeNotifier {
  private readonly waiters = new Set<() => void>();
  private poller: ReturnType<typeof setInterval> | undefined;

  /**
   * @param changed Called every `pollMs` while someone waits; true when another process changed
   *   the data since the last call.
   * @param pollMs How often `changed` is asked.
   */
  constructor(
    private readonly changed: () => boolean,
    private readonly pollMs = 25,
  ) {}

  /** True while some caller of {@link ChangeNotifier.wait} is waiting. */
  get waiting(): boolean {
    return this.waiters.size > 0;
  }

  /** Wakes every waiter. */
  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on the next change, after `timeoutMs`, or at once when `signal` is aborted. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        if (this.waiters.size === 0) this.stopPolling();
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', wake, { once: true });
      this.waiters.add(wake);
      this.startPolling();
    });
  }

  /** Stops polling and wakes every waiter (the store is closing). */
  close(): void {
    this.notify();
    this.stopPolling();
  }

  private startPolling(): void {
    if (this.poller !== undefined) return;
    this.poller = setInterval(() => {
      let changed: boolean;
      try {
        changed = this.changed();
      } catch {
        changed = true; // a closed or failing store: let the waiters find out themselves
      }
      if (changed) this.notify();
    }, this.pollMs);
    this.poller.unref();
  }

  private stopPolling(): void {
    if (this.poller === undefined) return;
    clearInterval(this.poller);
    this.poller = undefined;
  }
}
