import pg from 'pg';
import { QUEUE_CHANNEL } from './session.js';

/**
 * One `LISTEN hyperion_queue` connection per store, opened at the first wait. Every notification
 * wakes every waiter. A wait that had to open the connection returns at once (a change may have
 * happened before it listened), and so does every wait when the connection breaks.
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private connecting: Promise<boolean> | undefined;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  /** Resolves on the next change, after `timeoutMs`, or when `signal` aborts. */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || isAborted(signal)) return;
    let fresh: boolean;
    try {
      fresh = await this.listen();
    } catch {
      // The server cannot be reached: wait out the timeout as a poll would, without a hot loop.
      fresh = false;
    }
    if (fresh || this.closed || isAborted(signal)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  /** Makes sure the connection listens; true when it had to connect now. */
  private listen(): Promise<boolean> {
    if (this.client !== undefined) return Promise.resolve(false);
    this.connecting ??= (async () => {
      const client = new pg.Client(this.config);
      client.on('error', () => this.drop(client));
      client.on('end', () => this.drop(client));
      client.on('notification', () => this.wakeAll());
      try {
        await client.connect();
        await client.query(`LISTEN ${QUEUE_CHANNEL}`);
      } catch (error) {
        void client.end().catch(() => undefined);
        throw error;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return true;
      }
      this.client = client;
      return true;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Ends the connection and wakes every waiter. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** True when `signal` has aborted (a function, so a second check after an await is not narrowed away). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
