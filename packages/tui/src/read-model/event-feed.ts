import type { QueueEvent } from '@hyperion/schema';
import type { HyperionStore } from '@hyperion/store';

/** An incremental reader of `change_queue_logs`: each read fetches only the new events. */
export interface EventFeed {
  /** Every event read so far plus the new ones, in log order. */
  read(): readonly QueueEvent[];
}

/**
 * Creates an {@link EventFeed}. A live dashboard re-reads the model several times a second; the
 * feed keeps that cost proportional to what changed instead of to the length of the log.
 */
export function createEventFeed(store: HyperionStore): EventFeed {
  const events: QueueEvent[] = [];
  let lastId = 0;
  return {
    read() {
      const fresh = store.listEvents({ afterId: lastId });
      for (const event of fresh) events.push(event);
      const last = fresh.at(-1);
      if (last !== undefined) lastId = last.id;
      return events;
    },
  };
}
