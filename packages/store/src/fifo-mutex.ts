/**
 * A first-in, first-out lock for one process: {@link FifoMutex.run} runs its work once every
 * earlier holder has released the lock, in the order the calls arrived.
 */
export class FifoMutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  /** True while some work holds the lock. */
  get held(): boolean {
    return this.locked;
  }

  /** True when nobody holds the lock and nobody waits for it. */
  get free(): boolean {
    return !this.locked && this.waiters.length === 0;
  }

  /** Takes the lock; the returned function releases it (once). */
  async acquire(): Promise<() => void> {
    if (this.locked || this.waiters.length > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      this.locked = true;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next === undefined) this.locked = false;
      else next();
    };
  }

  /**
   * Runs `work` holding the lock. Work that is synchronous runs at once when the lock is free
   * (no turn of the event loop is spent); otherwise it waits for its turn.
   */
  async run<T>(work: () => T | Promise<T>): Promise<T> {
    if (!this.locked && this.waiters.length === 0) {
      this.locked = true;
      try {
        return await work();
      } finally {
        this.release();
      }
    }
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next === undefined) this.locked = false;
    else next();
  }
}
