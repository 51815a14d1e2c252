import type { MergeQueue } from '@hyperion/queue';
import type { HyperionStore } from '@hyperion/store';
import type { DashboardActions } from '@hyperion/tui';

/**
 * What the dashboard's `a`, `x`, `r` and `p` keys do, built on the queue's own human actions so a
 * decision taken at the dashboard is the same event as one taken with `hyperion approve`: each is
 * recorded as done by `actor` (HYPERION_USER or the OS user). `@hyperion/queue` is loaded only
 * when this is called (the dashboard's command is the only caller).
 */
export async function dashboardActions(
  queue: MergeQueue,
  store: HyperionStore,
  actor: string,
): Promise<DashboardActions> {
  const { retryEntry } = await import('@hyperion/queue');
  return {
    actor,
    approve: async (id) => {
      await queue.approve(id, { by: actor, note: 'approved from the dashboard' });
    },
    // The reason the person typed, recorded as `hyperion reject --reason` records its own.
    reject: async (id, reason) => {
      await queue.reject(id, { by: actor, note: reason });
    },
    retry: async (id) => {
      await retryEntry(store, id, { by: actor, note: 'retried from the dashboard' });
    },
    setPaused: async (paused) => {
      await (paused ? queue.pause(actor) : queue.resume(actor));
    },
  };
}
