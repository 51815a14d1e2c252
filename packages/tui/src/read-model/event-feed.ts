import type { QueueEvent } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';

/** An incremental reader of `change_queue_logs`: each read fetches only the new events. */
export interface EventFeed {
  /**
   * Every event read so far plus the new ones, in log order. Calls made while a read is under way
   * share it (the feed never reads the same events twice).
   */
  read(): Promise<readonly QueueEvent[]>;
}

/**
 * Creates an {@link EventFeed}. A live dashboard re-reads the model several times a second; the
 * feed keeps that cost proportional to what changed instead of to the length of the log.
 */
export function createEventFeed(store: Pick<StoreReadModel, 'listEvents'>): EventFeed {
  const events: QueueEvent[] = [];
  let lastId = 0;
  let reading: Promise<readonly QueueEvent[]> | undefined;
  const readFresh = async (): Promise<readonly QueueEvent[]> => {
    const fresh = await store.listEvents({ afterId: lastId });
    for (const event of fresh) events.push(event);
    const last = fresh.at(-1);
    if (last !== undefined) lastId = last.id;
    return events;
  };
  return {
    read() {
      reading ??= readFresh().finally(() => {
        reading = undefined;
      });
      return reading;
    },
  };
}
