/**
 * A first-come, first-served line of turns within one process: {@link TurnLine.take} resolves
 * when every turn taken before it was released. A wait that is aborted still keeps its place in
 * the line and passes the turn on at once when it comes, so the line never stalls.
 */
export class TurnLine {
  private last: Promise<void> = Promise.resolve();

  /**
   * Waits for this caller's turn; call the returned function to pass the turn on (calling it
   * again is harmless). Throws the signal's reason when `signal` aborts first.
   */
  async take(signal?: AbortSignal): Promise<() => void> {
    // Already aborted: no 'abort' event will come, so it would wait for every turn ahead.
    signal?.throwIfAborted();
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.last;
    this.last = previous.then(() => turn);
    if (signal === undefined) {
      await previous;
      return release;
    }
    let onAbort!: () => void;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([previous, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) {
      void previous.then(release);
      signal.throwIfAborted();
    }
    return release;
  }
}
