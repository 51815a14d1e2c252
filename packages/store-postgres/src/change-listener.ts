import pg from 'pg';
import { QUEUE_CHANNEL } from './session.js';

/** Most idle reads remembered before a wait; more only repeat older (earlier-waking) counts. */
const MOST_UNSEEN_READS = 1024;

/**
 * One `LISTEN` connection per store and channel (`hyperion_queue` unless told), opened at the first wait. Every notification
 * wakes every waiter. A wait that had to open the connection returns at once (a change may have
 * happened before it listened), and so does every wait when the connection breaks.
 *
 * No wake-up is lost between a worker's read of the queue and its wait: the listener counts the
 * notifications ({@link ChangeListener.count}; a broken connection counts as one too). A read
 * that found nothing to lease notes the count from before it ran ({@link ChangeListener.noteIdleRead});
 * a wait takes the oldest noted count not yet taken and returns at once when a notification came
 * since. Workers do not say who they are, so a wait may take another worker's count, but every
 * count it can take is from a read before its own or its own: it may return early (one more
 * look at the queue), never miss a change made after its caller's read. (A waiter that never
 * reads, or a read never followed by a wait, only makes some later wait return early.)
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private connecting: Promise<boolean> | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly unseenReads: number[] = [];
  private notifications = 0;
  private closed = false;

  /**
   * @param config How to connect.
   * @param channel The channel to listen on (default `hyperion_queue`; the speculation board has
   *   its own, so candidates and build turns do not wake idle workers).
   */
  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string = QUEUE_CHANNEL,
  ) {}

  /** Notifications heard so far (and broken connections): note it before reading the queue. */
  get count(): number {
    return this.notifications;
  }

  /** A read of the queue that began at `countBefore` found nothing: its caller will wait next. */
  noteIdleRead(countBefore: number): void {
    if (this.unseenReads.length < MOST_UNSEEN_READS) this.unseenReads.push(countBefore);
  }

  /**
   * Resolves on the next change, after `timeoutMs`, or when `signal` aborts; at once when a
   * change came since the oldest noted idle read (see the class).
   */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const seen = this.unseenReads.shift() ?? this.notifications;
    if (this.closed || isAborted(signal)) return;
    let fresh: boolean;
    try {
      fresh = await this.listen();
    } catch {
      // The server cannot be reached: wait out the timeout as a poll would, without a hot loop.
      fresh = false;
    }
    if (fresh || this.closed || isAborted(signal) || this.notifications !== seen) return;
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
      client.on('notification', () => this.changed());
      try {
        await client.connect();
        await client.query(`LISTEN ${this.channel}`);
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
    // Notifications may have been missed while it broke: count it as one.
    this.changed();
  }

  private changed(): void {
    this.notifications += 1;
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
