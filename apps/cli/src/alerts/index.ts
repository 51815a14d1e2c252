import type { RepositoryContext } from '../repository-context.js';
import type { QueueAlerts } from './start-alerts.js';

/**
 * Starts the configured alerts (`alerts` in the config) for the workers of this process, or does
 * nothing when none are configured: the alert code is loaded only then. Call `close` after the
 * workers stopped: it waits for the alerts still being delivered (their retries are bounded).
 */
export async function watchQueueAlerts(context: RepositoryContext): Promise<QueueAlerts> {
  if (context.config.alerts.length === 0) return { close: async () => undefined };
  const { startQueueAlerts } = await import('./start-alerts.js');
  return startQueueAlerts(context.queue, context.store, context.config, context.logger);
}
