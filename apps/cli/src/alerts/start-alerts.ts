import type { MergeQueue } from '@hyperion/queue';
import { secretValuesOf, type HyperionConfig } from '@hyperion/schema';
import type { StoreReadModel } from '@hyperion/store';
import { AlertDispatcher, type AlertLogger } from './alert-dispatcher.js';
import { alertEventName, buildAlertEvent } from './alert-event.js';

/** A running alert feed: {@link QueueAlerts.close} waits for the alerts still being delivered. */
export interface QueueAlerts {
  close(): Promise<void>;
}

/**
 * Sends the configured alerts for the events `queue` records in this process: only the process
 * whose worker made the event sends it, so several worker processes on one store never deliver an
 * alert twice. The queue's event handler only hands the event over; reading the entry, redacting
 * and delivering happen afterwards, off the worker's path.
 */
export function startQueueAlerts(
  queue: MergeQueue,
  store: StoreReadModel,
  config: HyperionConfig,
  logger: AlertLogger,
): QueueAlerts {
  const dispatcher = new AlertDispatcher(config.alerts, logger);
  const wanted = new Set(config.alerts.flatMap((target) => target.on));
  const secretValues = secretValuesOf(process.env, config.agent.secret_env);
  // Alerts are prepared one after another, so targets receive them in the order they happened.
  let preparing: Promise<void> = Promise.resolve();
  const listener = ({ event }: { event: Parameters<typeof buildAlertEvent>[1] }): void => {
    const name = alertEventName(event.type);
    if (name === undefined || !wanted.has(name)) return;
    const at = new Date();
    preparing = preparing.then(async () => {
      try {
        const entry = await store.requireEntry(event.entry_id);
        dispatcher.notify(buildAlertEvent(name, event, entry, at, secretValues));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error(
          { event: name, entry: event.entry_id, error: message },
          'alert not sent: could not read the entry',
        );
      }
    });
  };
  queue.events.on('event:recorded', listener);
  return {
    close: async () => {
      queue.events.off('event:recorded', listener);
      await preparing;
      await dispatcher.flush();
    },
  };
}
